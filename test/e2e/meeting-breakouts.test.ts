/**
 * Breakout rooms in real browsers through the whole local stack, five pages (host + four): an automatic split into
 * two rooms where each person sees and hears only their roommates, a broadcast reaching both rooms, per-room chat,
 * the host visiting a room and coming back, and the timer ending with everyone back in one mesh. Moving never
 * reloads a page or asks for the camera again (the same page objects and the same local tracks keep running).
 */
import type { Page } from 'playwright-core';
import { inboundTotals, waitUntil } from '../support/browser';
import {
  createRoom,
  joinRoom,
  openPerson,
  startStack,
  tileNames,
  waitForTiles,
  type Person,
  type Stack,
} from './meeting-helpers';

jest.setTimeout(420_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function openRooms(page: Page) {
  if (await page.locator('[data-testid=breakouts-panel]').isVisible()) return;
  await page.click('[data-testid=toggle-breakouts]');
  await page.locator('[data-testid=breakouts-panel]').waitFor({ state: 'visible' });
}

async function openChat(page: Page) {
  if (await page.locator('[data-testid=chat-panel]').isVisible()) return;
  await page.click('[data-testid=toggle-chat]');
  await page.locator('[data-testid=chat-panel]').waitFor({ state: 'visible' });
}

const chatTexts = async (page: Page) => {
  await openChat(page);
  return page.$$eval('[data-testid=chat-text]', (els) => els.map((e) => e.textContent ?? ''));
};

/**
 * Waits until the page shows exactly `names` as tiles and its calls are exactly one per other roommate, every one
 * of them decoding new video frames: nobody outside the room reaches this page, and everyone inside does.
 */
async function waitForRoom(person: Person, names: string[], timeoutMs = 90_000) {
  const expected = names.map((n) => (n === person.name ? `${n} (you)` : n)).sort();
  await waitUntil(
    `${person.name} to see exactly ${expected.join(', ')}`,
    async () => JSON.stringify((await tileNames(person.page)).sort()) === JSON.stringify(expected),
    { timeoutMs },
  );
  const others = names.length - 1;
  const first = await waitUntil(
    `${person.name} to hold exactly ${others} connected call(s)`,
    async () => {
      const t = await inboundTotals(person.page);
      return t.openConnections === others && t.framesDecodedPerConnection.length === others ? t : undefined;
    },
    { timeoutMs },
  );
  if (others === 0) return;
  await waitUntil(
    `${person.name}'s ${others} call(s) all decoding new frames`,
    async () => {
      const t = await inboundTotals(person.page);
      return (
        t.openConnections === others &&
        t.framesDecodedPerConnection.length === others &&
        t.framesDecodedPerConnection.every((f, i) => f > (first.framesDecodedPerConnection[i] ?? 0))
      );
    },
    { timeoutMs },
  );
}

async function say(page: Page, text: string) {
  await openChat(page);
  await page.fill('[data-testid=chat-input]', text);
  await page.click('[data-testid=chat-send]');
}

test('auto split into two rooms, broadcast, per-room chat, a host visit, and the timer brings everyone back', async () => {
  const host = await openPerson(stack, 'Hosta');
  const people = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map((n) => openPerson(stack, n)));
  const [ann, bob, cat, dan] = people as [Person, Person, Person, Person];
  const everyone = [host, ...people];
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  // Every pre-join page loads before the meeting's media starts: five pages of fake video encoding on two shared
  // cores can starve a page load past its 30 s budget.
  await Promise.all(people.map((p) => p.page.goto(`${stack.cloud.url}/r/${roomId}`, { timeout: 90_000 })));
  for (const p of people) await joinRoom(p, stack, roomId);
  for (const p of everyone) await waitForTiles(p.page, 5, 90_000);
  // Counted to prove later that moving never re-asked for the camera or reloaded the page.
  const navigations = new Map(everyone.map((p) => [p.name, 0]));
  for (const p of everyone) p.page.on('framenavigated', () => navigations.set(p.name, navigations.get(p.name)! + 1));

  // The host opens two rooms, split automatically (join order: Ann, Cat → Red; Bob, Dan → Blue), with a timer.
  await openRooms(host.page);
  await host.page.fill('[data-testid=breakout-count]', '2');
  await host.page.locator('[data-testid=breakout-name]').nth(0).fill('Red');
  await host.page.locator('[data-testid=breakout-name]').nth(1).fill('Blue');
  await host.page.selectOption('[data-testid=breakout-mode]', 'auto');
  await host.page.selectOption('[data-testid=breakout-duration]', { label: '1 minute' });
  await host.page.click('[data-testid=breakout-open]');

  await Promise.all([
    waitForRoom(ann, ['Ann', 'Cat']),
    waitForRoom(cat, ['Ann', 'Cat']),
    waitForRoom(bob, ['Bob', 'Dan']),
    waitForRoom(dan, ['Bob', 'Dan']),
    waitForRoom(host, ['Hosta']),
  ]);
  await ann.page.locator('[data-testid=breakout-place]', { hasText: 'you are in Red' }).waitFor();
  await bob.page.locator('[data-testid=breakout-place]', { hasText: 'you are in Blue' }).waitFor();
  await waitUntil('the timer showing on every page', async () =>
    (await Promise.all(everyone.map((p) => p.page.locator('[data-testid=breakout-timer]').isVisible()))).every(Boolean),
  );

  // Chat stays in its room.
  await say(ann.page, 'red room only');
  await waitUntil('Cat to read Ann in Red', async () => (await chatTexts(cat.page)).includes('red room only'));
  await say(bob.page, 'blue room only');
  await waitUntil('Dan to read Bob in Blue', async () => (await chatTexts(dan.page)).includes('blue room only'));
  expect(await chatTexts(bob.page)).not.toContain('red room only');
  expect(await chatTexts(dan.page)).not.toContain('red room only');
  expect(await chatTexts(cat.page)).not.toContain('blue room only');
  expect(await chatTexts(host.page)).toEqual([]);

  // A broadcast reaches both rooms.
  await openRooms(host.page);
  await host.page.fill('[data-testid=breakout-broadcast-text]', 'Wrap up soon');
  await host.page.click('[data-testid=breakout-broadcast]');
  for (const p of people) {
    await p.page
      .locator('[data-testid=breakout-broadcast-message]', { hasText: 'Hosta: Wrap up soon' })
      .waitFor({ state: 'visible', timeout: 30_000 });
  }

  // The host visits Red and comes back.
  await host.page.click('[data-testid=breakout-join-b1]');
  await Promise.all([
    waitForRoom(host, ['Hosta', 'Ann', 'Cat']),
    waitForRoom(ann, ['Hosta', 'Ann', 'Cat']),
    waitForRoom(bob, ['Bob', 'Dan']),
  ]);
  await host.page.click('[data-testid=breakout-return]');
  await Promise.all([waitForRoom(host, ['Hosta']), waitForRoom(cat, ['Ann', 'Cat'])]);

  // The timer ends: after the return countdown everyone is back in one mesh, seeing everyone.
  await ann.page.locator('[data-testid=breakout-timer].returning').waitFor({ state: 'visible', timeout: 90_000 });
  const all = everyone.map((p) => p.name);
  await Promise.all(everyone.map((p) => waitForRoom(p, all, 120_000)));
  expect(await chatTexts(ann.page)).not.toContain('red room only');
  await ann.page.locator('[data-testid=breakout-banner] .bo-status').waitFor({ state: 'hidden' });
  expect([...navigations.values()]).toEqual([0, 0, 0, 0, 0]);
  expect(everyone.flatMap((p) => p.errors)).toEqual([]);
  await Promise.all(everyone.map((p) => p.page.context().close()));
});
