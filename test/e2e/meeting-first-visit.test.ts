/**
 * What a first-time visitor meets, tried the way a new user would (issue #11): the meeting named before joining,
 * clear pages for unknown and malformed links (no camera for a meeting that does not exist), no red 401 from the
 * session check, controls that say whether they are on, panels that fit a phone, and chat links that work.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import {
  createRoom,
  joinRoom,
  openPanel,
  openPerson,
  startStack,
  waitForTiles,
  type Person,
  type Stack,
} from './meeting-helpers';

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

/** Where an element sits, or null when it is not rendered. */
const box = (page: Page, selector: string) => page.locator(selector).first().boundingBox();

const background = (page: Page, selector: string) => page.$eval(selector, (el) => getComputedStyle(el).backgroundColor);

test('controls show on/off, Chat and People open together, and a phone keeps its controls, video and close buttons', async () => {
  const host = await openPerson(stack, 'Host');
  const roomId = await createRoom(host, stack, { meetingName: 'Phones welcome' });
  await joinRoom(host, stack, roomId);
  // A phone in portrait: touch only, and no screen capture (as on iOS and Android browsers).
  const phone = await openPerson(stack, 'Pat', { width: 390, height: 844 }, { touch: true });
  await phone.page.addInitScript(() => {
    delete (MediaDevices.prototype as Partial<MediaDevices>).getDisplayMedia;
  });
  await joinRoom(phone, stack, roomId);
  await waitForTiles(host.page, 2);
  await waitForTiles(phone.page, 2);

  // On/off is in aria-pressed and in the look of the button, not only in its words.
  const mic = '[data-testid=toggle-mic]';
  expect(await host.page.getAttribute(mic, 'aria-pressed')).toBe('true');
  const onColour = await background(host.page, mic);
  await host.page.click(mic);
  await waitUntil('mic shown off', async () => (await host.page.getAttribute(mic, 'aria-pressed')) === 'false');
  expect(await background(host.page, mic)).not.toBe(onColour);
  const shutColour = await background(host.page, '[data-testid=toggle-chat]');
  await openPanel(host.page, 'chat');
  expect(await host.page.getAttribute('[data-testid=toggle-chat]', 'aria-pressed')).toBe('true');
  expect(await background(host.page, '[data-testid=toggle-chat]')).not.toBe(shutColour);

  // Chat and People side by side.
  await openPanel(host.page, 'people');
  expect(await host.page.locator('[data-testid=chat-panel]').isVisible()).toBe(true);
  expect(await host.page.locator('[data-testid=participants-panel]').isVisible()).toBe(true);
  expect(await host.page.getAttribute('[data-testid=toggle-people]', 'aria-pressed')).toBe('true');

  // Desktop offers screen sharing and shortcuts; the phone offers neither.
  expect(await host.page.locator('[data-testid=toggle-screen]').isVisible()).toBe(true);
  expect(await host.page.locator('[data-testid=help]').isVisible()).toBe(true);
  expect(await phone.page.locator('[data-testid=toggle-screen]').isVisible()).toBe(false);
  expect(await phone.page.locator('[data-testid=help]').isVisible()).toBe(false);

  // The phone's landscape camera is letterboxed in its tall tile, not cropped.
  const fits = await phone.page.$$eval('[data-testid=tile] video', (videos) =>
    videos.map((v) => getComputedStyle(v).objectFit),
  );
  expect(fits.length).toBe(2);
  expect(fits.every((fit) => fit === 'contain')).toBe(true);

  // A panel on the phone leaves every control visible and clickable, and closes with its own button.
  await openPanel(phone.page, 'chat');
  const panel = (await box(phone.page, '.side'))!;
  const controls = (await box(phone.page, '[data-testid=leave]'))!;
  expect(panel.y + panel.height).toBeLessThanOrEqual(controls.y);
  const hit = await phone.page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.getAttribute('data-testid'), {
    x: controls.x + controls.width / 2,
    y: controls.y + controls.height / 2,
  });
  expect(hit).toBe('leave');
  await phone.page.click('[data-testid=close-chat]');
  await phone.page.locator('[data-testid=chat-panel]').waitFor({ state: 'hidden' });
  expect(await phone.page.getAttribute('[data-testid=toggle-chat]', 'aria-pressed')).toBe('false');
  expect(phone.errors).toEqual([]);
  await closePages(host.page, phone.page);
});

test('chat links open safely in a new tab, other schemes stay text, and a long word wraps inside the panel', async () => {
  const host = await openPerson(stack, 'Host');
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  const guest = await openPerson(stack, 'Guest');
  await joinRoom(guest, stack, roomId);
  await openPanel(host.page, 'chat');
  const longWord = 'Donaudampfschifffahrtsgesellschaftskapitän'.repeat(4);
  for (const text of ['Agenda: https://docs.example/agenda?id=7.', 'javascript:alert(1)', longWord]) {
    await host.page.fill('[data-testid=chat-input]', text);
    await host.page.click('[data-testid=chat-send]');
  }
  await openPanel(guest.page, 'chat');
  await waitUntil('three messages', async () => (await guest.page.locator('[data-testid=chat-text]').count()) === 3);
  const links = await guest.page.$$eval('[data-testid=chat-text] a', (as) =>
    as.map((a) => ({
      href: a.getAttribute('href'),
      rel: a.getAttribute('rel'),
      target: a.getAttribute('target'),
      text: a.textContent,
    })),
  );
  expect(links).toEqual([
    {
      href: 'https://docs.example/agenda?id=7',
      rel: 'noopener noreferrer',
      target: '_blank',
      text: 'https://docs.example/agenda?id=7',
    },
  ]);
  expect(await guest.page.locator('[data-testid=chat-text]').nth(1).innerText()).toBe('javascript:alert(1)');
  // The long word wraps: its bubble is no wider than the panel, and nothing scrolls sideways.
  const widths = await guest.page.$eval('[data-testid=chat-list]', (list) => ({
    list: list.clientWidth,
    scroll: list.scrollWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.list);
  await closePages(host.page, guest.page);
});
