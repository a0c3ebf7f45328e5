/**
 * Breakout rooms in real browsers through the whole local stack, five pages (host + four): an automatic split into
 * two rooms where each person sees and hears only their roommates, a broadcast reaching both rooms, per-room chat,
 * the host visiting a room and coming back, and the timer ending with everyone back in one mesh. Moving never
 * reloads a page or asks for the camera again (the same page objects and the same local tracks keep running).
 */
import type { Page } from 'playwright-core';
import { callFlows, waitUntil, type CallFlow } from '../support/browser';
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
 * Waits until the page shows exactly `names` as tiles and receives media on exactly one call per other roommate,
 * each of them decoding new video frames, while every other call it holds receives nothing at all, no video frame
 * and no audio packet: nobody outside the room reaches this page, and everyone inside does. (A call to someone in
 * another room may stay connected, parked and silent, so that it resumes at once when they are back: mesh-plan.ts.)
 */
async function waitForRoom(person: Person, names: string[], timeoutMs = 90_000) {
  const expected = names.map((n) => (n === person.name ? `${n} (you)` : n)).sort();
  await waitUntil(
    `${person.name} to see exactly ${expected.join(', ')}`,
    async () => JSON.stringify((await tileNames(person.page)).sort()) === JSON.stringify(expected),
    { timeoutMs },
  );
  const others = names.length - 1;
  let last: CallFlow[] = [];
  try {
    await waitUntil(
      `${person.name} to receive media from exactly ${others} call(s) and nothing on any other`,
      async () => {
        last = await callFlows(person.page);
        const carrying = last.filter((c) => c.frames > 0);
        const silent = last.filter((c) => c.frames === 0 && c.audioPackets === 0);
        return (
          carrying.length === others &&
          carrying.every((c) => c.state === 'connected') &&
          silent.length === last.length - others
        );
      },
      { timeoutMs },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last sample: ${JSON.stringify(last)}`, { cause: error });
  }
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

test('manual assignment by drag and by keyboard, a re-assignment, a call for help the host answers, choose mode, and a host reload', async () => {
  const host = await openPerson(stack, 'Hostb');
  const [eve, fay] = (await Promise.all(['Eve', 'Fay'].map((n) => openPerson(stack, n)))) as [Person, Person];
  const everyone = [host, eve, fay];
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  for (const p of [eve, fay]) await joinRoom(p, stack, roomId);
  for (const p of everyone) await waitForTiles(p.page, 3, 90_000);

  // Manual mode: Fay is dragged onto Room 1; Eve is placed in Room 2 from the keyboard (the select beside her name).
  await openRooms(host.page);
  await host.page.selectOption('[data-testid=breakout-mode]', 'manual');
  const manual = host.page.locator('[data-testid=breakout-manual]');
  await manual.locator('.bo-person', { hasText: 'Fay' }).dragTo(manual.locator('.bo-zone[data-zone="0"]'));
  await manual.locator('.bo-zone[data-zone="0"] .bo-person', { hasText: 'Fay' }).waitFor();
  const eveSelect = manual.locator('select[aria-label="Room for Eve"]');
  await eveSelect.focus();
  await host.page.keyboard.press('ArrowDown'); // Main room → Room 1
  await host.page.keyboard.press('ArrowDown'); // Room 1 → Room 2
  expect(await eveSelect.inputValue()).toBe('1');
  await host.page.click('[data-testid=breakout-open]');
  await fay.page.locator('[data-testid=breakout-place]', { hasText: 'you are in Room 1' }).waitFor();
  await eve.page.locator('[data-testid=breakout-place]', { hasText: 'you are in Room 2' }).waitFor();
  await Promise.all([waitForRoom(fay, ['Fay']), waitForRoom(eve, ['Eve']), waitForRoom(host, ['Hostb'])]);

  // Re-assigned while open: the host moves Eve into Fay's room, and the two now see and hear each other.
  await openRooms(host.page);
  const eveId = await host.page
    .locator('[data-testid=breakout-live] .bo-person', { hasText: 'Eve' })
    .getAttribute('data-peer');
  await host.page.selectOption(`[data-testid=breakout-move-${eveId}]`, { label: 'Room 1' });
  await Promise.all([waitForRoom(eve, ['Eve', 'Fay']), waitForRoom(fay, ['Eve', 'Fay'])]);

  // Eve asks for help: the host sees who and from which room, and joins that room from the request.
  await openRooms(eve.page);
  await eve.page.click('[data-testid=breakout-ask-help]');
  const request = host.page.locator('[data-testid=breakout-help-list] li', { hasText: 'Eve · Room 1' });
  await request.waitFor({ state: 'visible', timeout: 30_000 });
  await request.locator('button').click();
  await Promise.all([waitForRoom(host, ['Hostb', 'Eve', 'Fay']), waitForRoom(eve, ['Hostb', 'Eve', 'Fay'])]);

  // A member cannot move anyone: no move controls and no room buttons in an assigned mode.
  expect(await eve.page.locator('[data-testid^=breakout-move-]').count()).toBe(0);
  expect(await eve.page.locator('[data-testid^=breakout-join-]').count()).toBe(0);

  // Close all; then open in "choose" mode, where each member picks a room.
  await host.page.click('[data-testid=breakout-close]');
  await Promise.all(everyone.map((p) => waitForRoom(p, ['Hostb', 'Eve', 'Fay'])));
  await openRooms(host.page);
  await host.page.selectOption('[data-testid=breakout-mode]', 'choose');
  await host.page.click('[data-testid=breakout-open]');
  await openRooms(eve.page);
  await openRooms(fay.page);
  await eve.page.click('[data-testid=breakout-join-b1]');
  await fay.page.click('[data-testid=breakout-join-b2]');
  await Promise.all([waitForRoom(eve, ['Eve']), waitForRoom(fay, ['Fay'])]);
  await fay.page.click('[data-testid=breakout-join-b1]');
  await Promise.all([waitForRoom(eve, ['Eve', 'Fay']), waitForRoom(fay, ['Eve', 'Fay'])]);

  // The host reloads: still the host (a reload is not leaving), and the rooms are server state, so the reloaded
  // page shows them live and can still close them.
  await host.page.reload();
  await joinRoom(host, stack, roomId);
  await openRooms(host.page);
  await host.page
    .locator('[data-testid=breakout-live] [data-room=b1] .bo-person', { hasText: 'Fay' })
    .waitFor({ state: 'visible', timeout: 30_000 });
  await host.page.click('[data-testid=breakout-close]');
  await Promise.all(everyone.map((p) => waitForRoom(p, ['Hostb', 'Eve', 'Fay'])));
  expect(everyone.flatMap((p) => p.errors)).toEqual([]);
  await Promise.all(everyone.map((p) => p.page.context().close()));
});
