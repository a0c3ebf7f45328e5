/**
 * What a first-time visitor meets, tried the way a new user would (issue #11): the meeting named before joining,
 * clear pages for unknown and malformed links (no camera for a meeting that does not exist), no red 401 from the
 * session check, controls that say whether they are on, panels that fit a phone, and chat links that work.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import { createRoom, openPerson, startStack, type Person, type Stack } from './meeting-helpers';

jest.setTimeout(180_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function closePages(...pages: Page[]) {
  await Promise.all(pages.map((p) => p.context().close()));
}

/** Counts camera/microphone requests, so a test can tell that a page never turned the camera on. */
async function countMediaRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __mediaRequests: number };
    w.__mediaRequests = 0;
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints) => {
      w.__mediaRequests += 1;
      return original(constraints);
    };
  });
}

const mediaRequests = (page: Page) =>
  page.evaluate(() => (window as unknown as { __mediaRequests: number }).__mediaRequests);

/** Console errors about failed requests (the browser logs every 4xx/5xx fetch in red). */
const failedRequestLogs = (person: Person) =>
  person.logs.filter((line) => /Failed to load resource|status of 4\d\d/.test(line));

test('a guest opening an invite sees the meeting name, and nobody signed in gets no red 401', async () => {
  const host = await openPerson(stack, 'Host');
  const roomId = await createRoom(host, stack, { meetingName: 'Design review' });
  const guest = await openPerson(stack, 'Guest');
  await guest.page.goto(stack.cloud.url);
  await guest.page.locator('[data-testid=home-name]').waitFor();
  await guest.page.goto(`${stack.cloud.url}/r/${roomId}`);
  const title = guest.page.locator('[data-testid=prejoin-title]');
  await title.waitFor();
  expect(await title.innerText()).toBe('Join “Design review”');
  expect(await guest.page.title()).toMatch(/^Design review/);
  await guest.page.locator('[data-testid=preview]').waitFor();
  expect(failedRequestLogs(guest)).toEqual([]);
  await closePages(host.page, guest.page);
});

test('an unknown meeting says "No such meeting" without turning the camera on', async () => {
  const guest = await openPerson(stack, 'Guest');
  await countMediaRequests(guest.page);
  await guest.page.goto(`${stack.cloud.url}/r/zzzz-zzzz-zzzz-zzzz`);
  const missing = guest.page.locator('[data-testid=no-such-meeting]');
  await missing.waitFor();
  expect(await missing.innerText()).toMatch(/No such meeting/);
  expect(await guest.page.locator('video').count()).toBe(0);
  expect(await guest.page.locator('[data-testid=join]').count()).toBe(0);
  expect(await mediaRequests(guest.page)).toBe(0);
  await missing.getByRole('button', { name: 'Go to the home page' }).click();
  await guest.page.locator('[data-testid=home-name]').waitFor();
  await closePages(guest.page);
});

test('a malformed meeting link explains what a link looks like and offers the fixed one', async () => {
  const host = await openPerson(stack, 'Host');
  const roomId = await createRoom(host, stack, { meetingName: 'Standup' });
  const guest = await openPerson(stack, 'Guest');
  await countMediaRequests(guest.page);
  // Cut short when pasted.
  await guest.page.goto(`${stack.cloud.url}/r/${roomId.slice(0, 9)}`);
  const bad = guest.page.locator('[data-testid=bad-meeting-link]');
  await bad.waitFor();
  expect(await bad.innerText()).toMatch(/not complete/);
  expect(await guest.page.innerText('main')).not.toMatch(/Page not found/);
  expect(await bad.getByRole('button', { name: 'Go to the home page' }).count()).toBe(1);
  // Typed in capitals: the page offers the real meeting.
  await guest.page.goto(`${stack.cloud.url}/r/${roomId.toUpperCase()}`);
  await guest.page.click('[data-testid=open-fixed-link]');
  await waitUntil(
    'pre-join of the fixed link',
    async () => (await guest.page.locator('[data-testid=prejoin-title]').count()) === 1,
  );
  expect(await guest.page.innerText('[data-testid=prejoin-title]')).toBe('Join “Standup”');
  await closePages(host.page, guest.page);
});
