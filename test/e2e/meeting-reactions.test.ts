/**
 * Reactions, raised hands and the recording notice in real browsers through the local stack, three people (and a
 * fourth who joins late): a reaction shows on the sender's tile on the other pages, two raised hands are listed in
 * the order raised in the host's People panel and the host lowers one, and a recording started by the host shows
 * the Recording indicator on every page, including one that joins while it runs, until the host stops it.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import { createRoom, joinRoom, openPanel, openPerson, startStack, waitForTiles, type Stack } from './meeting-helpers';

jest.setTimeout(240_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const selfPeerId = async (page: Page) => (await page.getAttribute('[data-testid=tile].self', 'data-peer-id'))!;

/** Which tiles (by peer id) show a reaction right now, and which emoji. */
const reactionsOnTiles = (page: Page) =>
  page.$$eval('[data-testid=tile]', (tiles) =>
    tiles
      .map((t) => ({
        peerId: t.getAttribute('data-peer-id'),
        emoji: [...t.querySelectorAll('[data-testid=tile-reaction]')].map((r) => r.textContent).join(''),
      }))
      .filter((t) => t.emoji !== ''),
  );

const raisedHands = (page: Page) =>
  page.$$eval('[data-testid=raised-hands] [data-testid=raised-hand] .person-name', (els) =>
    els.map((e) => e.textContent ?? ''),
  );

const recordingShown = (page: Page) => page.locator('[data-testid=recording-indicator]').isVisible();

const toastTexts = (page: Page) => page.$$eval('[data-testid=toast]', (els) => els.map((e) => e.textContent ?? ''));

test('reactions on the right tile, raised hands in order lowered by the host, and the recording indicator everywhere', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const cleo = await openPerson(stack, 'Cleo');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await joinRoom(cleo, stack, roomId);
  for (const p of [ana, bob, cleo]) await waitForTiles(p.page, 3);
  const bobId = await selfPeerId(bob.page);

  // Bob applauds: Ana's and Cleo's pages show it on Bob's tile (and only there), and say it to screen readers.
  await bob.page.click('[data-testid=reaction-button][data-emoji="👏"]');
  for (const p of [ana, cleo]) {
    await waitUntil(`${p.name} to see Bob's reaction`, async () => (await reactionsOnTiles(p.page)).length > 0);
    expect(await reactionsOnTiles(p.page)).toEqual([{ peerId: bobId, emoji: '👏' }]);
    expect(await p.page.textContent('[data-testid=reaction-announcer]')).toBe('Bob reacted with applause');
  }

  // Cleo raises her hand with the keyboard shortcut, then Bob with the button: the host sees them in that order.
  await cleo.page.keyboard.press('h');
  await waitUntil(
    'Cleo’s hand to be up',
    async () => (await cleo.page.getAttribute('[data-testid=toggle-hand]', 'aria-pressed')) === 'true',
  );
  await bob.page.click('[data-testid=toggle-hand]');
  await waitUntil(
    'the host’s badge to count two hands',
    async () => (await ana.page.textContent('[data-testid=hands-badge]')) === '2',
  );
  expect(await bob.page.locator('[data-testid=hands-badge]').isVisible()).toBe(false); // hosts only
  await openPanel(ana.page, 'people');
  await waitUntil('two raised hands in the host’s list', async () => (await raisedHands(ana.page)).length === 2);
  expect(await raisedHands(ana.page)).toEqual(['Cleo', 'Bob']);

  await ana.page.locator('[data-testid=raised-hand]', { hasText: 'Cleo' }).locator('[data-testid=lower-hand]').click();
  await waitUntil(
    'Cleo’s hand lowered by the host',
    async () => JSON.stringify(await raisedHands(ana.page)) === JSON.stringify(['Bob']),
  );
  await waitUntil(
    'Cleo’s page to show her hand down',
    async () => (await cleo.page.getAttribute('[data-testid=toggle-hand]', 'aria-pressed')) === 'false',
  );
  expect(await ana.page.textContent('[data-testid=hands-badge]')).toBe('1');

  // Ana records the meeting with the real recorder: every page shows the indicator and is told once.
  for (const p of [ana, bob, cleo]) expect(await recordingShown(p.page)).toBe(false);
  await ana.page.click('[data-testid=toggle-recording]');
  await waitUntil('the recorder to run', async () =>
    /^Recording/.test((await ana.page.textContent('[data-testid=recording-state]')) ?? ''),
  );
  for (const p of [ana, bob, cleo]) {
    await waitUntil(`${p.name}'s Recording indicator`, () => recordingShown(p.page));
  }
  await waitUntil('Bob to be told who records', async () =>
    (await toastTexts(bob.page)).some((t) => t.startsWith('Ana is recording this meeting.')),
  );

  // Dan joins while it records: the indicator and the notice are there from the start.
  const dan = await openPerson(stack, 'Dan');
  // A toast lives 5 s and Dan's join can outlast that on a busy machine: keep every toast text his page shows.
  await dan.page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __toastsSeen: string[] }).__toastsSeen = seen;
    new MutationObserver(() => {
      for (const t of document.querySelectorAll('[data-testid=toast]')) {
        const text = t.textContent ?? '';
        if (!seen.includes(text)) seen.push(text);
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await joinRoom(dan, stack, roomId);
  await waitUntil('Dan’s Recording indicator', () => recordingShown(dan.page));
  await waitUntil('Dan to be told who records', async () =>
    (await dan.page.evaluate(() => (window as unknown as { __toastsSeen: string[] }).__toastsSeen)).some((t) =>
      t.startsWith('Ana is recording this meeting.'),
    ),
  );

  // Stopping ends it on every page.
  await ana.page.click('[data-testid=toggle-recording]');
  for (const p of [ana, bob, cleo, dan]) {
    await waitUntil(`${p.name}'s indicator to go`, async () => !(await recordingShown(p.page)), { timeoutMs: 60_000 });
  }
  for (const p of [ana, bob, cleo, dan]) expect(p.errors).toEqual([]);
});
