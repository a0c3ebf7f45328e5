/**
 * Polls in real browsers through the local stack, three people: a named and an anonymous poll run end to end
 * (vote, change vote, live results, close, export), a late joiner votes, and a member's hand-sent poll frames are
 * refused by the server.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import { createRoom, joinRoom, openPerson, sendRaw, startStack, waitForTiles, type Stack } from './meeting-helpers';

jest.setTimeout(240_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function openPolls(page: Page) {
  if (await page.locator('[data-testid=polls-panel]').isVisible()) return;
  await page.click('[data-testid=toggle-polls]');
  await page.locator('[data-testid=polls-panel]').waitFor({ state: 'visible' });
}

async function startPoll(page: Page, poll: { question: string; options: string[]; anonymous?: boolean }) {
  await openPolls(page);
  await page.fill('[data-testid=poll-question-input]', poll.question);
  for (let i = 0; i < poll.options.length; i += 1) {
    if (i >= 2) await page.click('[data-testid=poll-add-option]');
    await page.locator('[data-testid=poll-option-input]').nth(i).fill(poll.options[i]!);
  }
  if (poll.anonymous) await page.check('[data-testid=poll-anonymous]');
  await page.click('[data-testid=poll-start]');
}

async function vote(page: Page, question: string, option: string) {
  await openPolls(page);
  await waitUntil(`the poll "${question}" to show`, async () => (await pollQuestion(page)) === question);
  await page.locator('[data-testid=poll-option]', { hasText: option }).locator('[data-testid=poll-choice]').check();
  await page.click('[data-testid=poll-vote]');
}

async function pollQuestion(page: Page): Promise<string | null> {
  const q = page.locator('[data-testid=poll-card]:not([hidden]) [data-testid=poll-question]');
  return (await q.count()) ? q.innerText() : null;
}

/** Option text → "count (pct%)" and the names shown under it, as this page draws them. */
async function shown(page: Page) {
  await openPolls(page);
  return page.$$eval('[data-testid=poll-option]', (items) =>
    items.map((li) => ({
      option: li.querySelector('[data-testid=poll-option-text]')?.textContent ?? '',
      count: li.querySelector('[data-testid=poll-count]')?.textContent ?? null,
      voters: li.querySelector('[data-testid=poll-voters]')?.textContent ?? null,
    })),
  );
}

async function waitForShown(page: Page, expected: Awaited<ReturnType<typeof shown>>) {
  let last: unknown;
  try {
    await waitUntil('poll results', async () => {
      last = await shown(page);
      return JSON.stringify(last) === JSON.stringify(expected);
    });
  } catch (err) {
    throw new Error(`expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(last)}`, { cause: err });
  }
}

async function waitClosed(page: Page) {
  await openPolls(page);
  await page.locator('[data-testid=poll-status][data-open=false]').waitFor({ timeout: 15_000 });
}

async function download(page: Page, format: 'csv' | 'json'): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=poll-export-${format}]`)]);
  expect(file.suggestedFilename()).toMatch(new RegExp(`^poll-[0-9a-z-]+\\.${format}$`));
  return readFileSync((await file.path())!, 'utf8');
}

test('named and anonymous polls: vote, change, live results, close, export; a late joiner votes; members are refused', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForTiles(ana.page, 2);

  // A member's hand-made frames never reach the room: the server checks the role, whatever the page shows.
  const create = {
    type: 'poll.create',
    question: 'Sneaky?',
    options: ['a', 'b'],
    multiple: false,
    anonymous: false,
    resultsVisibleToAll: true,
  };
  expect(await sendRaw(bob, { ...create, ref: 'raw-create' })).toMatchObject({ type: 'error', code: 'not_allowed' });

  // Named poll.
  await startPoll(ana.page, { question: 'Lunch?', options: ['Pizza', 'Sushi', 'Salad'] });
  await vote(bob.page, 'Lunch?', 'Pizza');
  await waitForShown(ana.page, [
    { option: 'Pizza', count: '1 (100%)', voters: 'Bob' },
    { option: 'Sushi', count: '0 (0%)', voters: null },
    { option: 'Salad', count: '0 (0%)', voters: null },
  ]);
  await vote(bob.page, 'Lunch?', 'Sushi'); // changes his mind
  await waitForShown(ana.page, [
    { option: 'Pizza', count: '0 (0%)', voters: null },
    { option: 'Sushi', count: '1 (100%)', voters: 'Bob' },
    { option: 'Salad', count: '0 (0%)', voters: null },
  ]);
  const pollId = await bob.page.getAttribute('[data-testid=poll-card]', 'data-poll-id');
  expect(await sendRaw(bob, { type: 'poll.close', pollId, ref: 'raw-close' })).toMatchObject({
    type: 'error',
    code: 'not_allowed',
  });

  // Cleo joins late, sees the open poll and votes.
  const cleo = await openPerson(stack, 'Cleo');
  await joinRoom(cleo, stack, roomId);
  await vote(cleo.page, 'Lunch?', 'Sushi');
  const twoForSushi = [
    { option: 'Pizza', count: '0 (0%)', voters: null },
    { option: 'Sushi', count: '2 (100%)', voters: 'Bob, Cleo' },
    { option: 'Salad', count: '0 (0%)', voters: null },
  ];
  await waitForShown(ana.page, twoForSushi);
  await waitForShown(bob.page, twoForSushi);

  await ana.page.click('[data-testid=poll-close]');
  for (const p of [ana, bob, cleo]) {
    await waitClosed(p.page);
    expect(await shown(p.page)).toEqual(twoForSushi);
    expect(await p.page.locator('[data-testid=poll-vote]').count()).toBe(0);
  }
  await bob.page.click('[data-testid=toggle-chat]');
  await waitUntil('results in the chat', async () =>
    (await bob.page.$$eval('[data-testid=chat-text]', (els) => els.map((e) => e.textContent ?? ''))).some((t) =>
      t.startsWith('Poll closed: Lunch?\n• Pizza: 0 votes (0%)\n• Sushi: 2 votes (100%)'),
    ),
  );
  expect(await download(ana.page, 'csv')).toBe(
    'question,option,votes,voters\r\nLunch?,Pizza,0,\r\nLunch?,Sushi,2,Bob; Cleo\r\nLunch?,Salad,0,\r\n',
  );
  expect(JSON.parse(await download(ana.page, 'json'))).toMatchObject({
    poll: { question: 'Lunch?', anonymous: false, closeReason: 'host' },
    voters: 2,
    ballots: [
      { name: 'Bob', options: ['Sushi'] },
      { name: 'Cleo', options: ['Sushi'] },
    ],
  });

  // Anonymous poll: counts for everyone, names for no one, not even in the export.
  await startPoll(ana.page, { question: 'Mood?', options: ['Good', 'Bad'], anonymous: true });
  await vote(bob.page, 'Mood?', 'Good');
  await vote(cleo.page, 'Mood?', 'Good');
  await vote(bob.page, 'Mood?', 'Bad');
  const oneEach = [
    { option: 'Good', count: '1 (50%)', voters: null },
    { option: 'Bad', count: '1 (50%)', voters: null },
  ];
  await waitForShown(ana.page, oneEach);
  await waitForShown(cleo.page, oneEach);
  await ana.page.click('[data-testid=poll-close]');
  for (const p of [ana, bob, cleo]) {
    await waitClosed(p.page);
    expect(await shown(p.page)).toEqual(oneEach);
  }
  const csv = await download(ana.page, 'csv');
  expect(csv).toBe('question,option,votes\r\nMood?,Good,1\r\nMood?,Bad,1\r\n');
  const json = await download(ana.page, 'json');
  expect(JSON.parse(json)).toMatchObject({ poll: { anonymous: true }, voters: 2 });
  expect(json).not.toMatch(/Bob|Cleo|ballots|voterKey/);

  for (const p of [ana, bob, cleo]) expect(p.errors).toEqual([]);
  await Promise.all([ana, bob, cleo].map((p) => p.page.context().close()));
});
