/**
 * The small things people expect in a meeting, in real browsers through the local stack: switching camera during
 * the call (replaceTrack, no renegotiation, the other side keeps decoding), the speaker output picker, pin, speaker
 * view and a hidden self-view, the in-meeting invite link on the clipboard, camera state in the People list, the
 * per-tile connection-quality indicator, and the pre-join microphone meter.
 */
import type { Page } from 'playwright-core';
import { inboundTotals, waitForMediaFlowing, waitUntil } from '../support/browser';
import {
  clickJoin,
  createRoom,
  joinRoom,
  openPanel,
  openPerson,
  startStack,
  type Person,
  type Stack,
} from './meeting-helpers';

jest.setTimeout(180_000);

let stack: Stack;
let ana: Person;
let bob: Person;
let roomId: string;

beforeAll(async () => {
  // Three fake cameras, to switch from fake_device_0 (I420) to fake_device_2 (MJPEG, like most webcams). Chromium
  // 156 makes fake_device_1 a Y16 depth camera: it plays in a <video>, but a sender given it encodes no frames.
  stack = await startStack({ browserArgs: ['--use-fake-device-for-media-stream=device-count=3'], camera: 'chromium' });
  ana = await openPerson(stack, 'Ana', undefined, { permissions: ['clipboard-read', 'clipboard-write'] });
  bob = await openPerson(stack, 'Bob');
  roomId = await createRoom(ana, stack);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** The label of the camera track each live peer connection of the page sends. */
async function sentCameraLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __testPeerConnections: RTCPeerConnection[] }).__testPeerConnections;
    return pcs
      .filter((pc) => pc.connectionState === 'connected')
      .map((pc) => pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.label ?? '');
  });
}

/** Counts signalling-state changes on every peer connection from now on: a renegotiation would make some. */
async function watchNegotiation(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __testPeerConnections: RTCPeerConnection[]; __negotiations: number };
    w.__negotiations = 0;
    for (const pc of w.__testPeerConnections)
      pc.addEventListener('signalingstatechange', () => (w.__negotiations += 1));
  });
}

const negotiations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __negotiations: number }).__negotiations);

test('the pre-join page shows a moving microphone level', async () => {
  await ana.page.goto(`${stack.cloud.url}/r/${roomId}`);
  const meter = ana.page.getByLabel('Microphone level');
  await meter.waitFor({ state: 'visible' });
  // A key press is the user gesture that lets the page's AudioContext run; Chromium's fake mic beeps.
  await ana.page.fill('[data-testid=prejoin-name]', ana.name);
  await waitUntil(
    'the mic meter to show a level',
    async () => (await meter.evaluate((m: HTMLMeterElement) => m.value)) > 0.01,
  );
});

test('switching camera mid-call keeps the other side decoding, without renegotiating', async () => {
  await clickJoin(ana, stack, roomId);
  await ana.page.waitForSelector('[data-testid=meeting]');
  await joinRoom(bob, stack, roomId);
  await Promise.all([waitForMediaFlowing(ana.page), waitForMediaFlowing(bob.page)]);
  expect(await sentCameraLabels(ana.page)).toEqual(['fake_device_0']);

  await watchNegotiation(ana.page);
  await watchNegotiation(bob.page);
  const connectionsBefore = (await inboundTotals(bob.page)).openConnections;

  await ana.page.click('[data-testid=devices-toggle]');
  const picker = ana.page.locator('[data-testid=pick-camera]');
  await waitUntil('three cameras in the picker', async () => (await picker.locator('option').count()) === 3);
  await picker.selectOption({ label: 'fake_device_2' });

  await waitUntil('the call to send the second camera', async () => {
    const labels = await sentCameraLabels(ana.page);
    return labels.length === 1 && labels[0] === 'fake_device_2';
  });
  // Frames keep arriving on the same connection after the switch.
  const after = await inboundTotals(bob.page);
  await waitUntil(
    'Bob decoding new frames from the second camera',
    async () => (await inboundTotals(bob.page)).framesDecoded > after.framesDecoded + 30,
  );
  const final = await inboundTotals(bob.page);
  expect(final.openConnections).toBe(connectionsBefore);
  expect(await negotiations(ana.page)).toBe(0);
  expect(await negotiations(bob.page)).toBe(0);
  expect(await picker.inputValue()).toBe(
    await ana.page.evaluate(
      async () =>
        (await navigator.mediaDevices.enumerateDevices()).find((d) => d.label === 'fake_device_2')?.deviceId ?? '',
    ),
  );
});

test('the speaker picker routes remote audio to the chosen output', async () => {
  const speaker = ana.page.locator('[data-testid=pick-speaker]');
  await expect(speaker.isVisible()).resolves.toBe(true);
  await speaker.selectOption({ label: 'Fake Audio Output 1' });
  const chosen = await speaker.inputValue();
  const bobTile = ana.page.locator('[data-testid=tile]:not(.self) video');
  await waitUntil(
    "Bob's tile playing to the chosen output",
    async () => (await bobTile.evaluate((v: HTMLVideoElement & { sinkId: string }) => v.sinkId)) === chosen,
  );
  await ana.page.click('[data-testid=devices-toggle]');
});

test('pin, speaker view and a hidden self-view', async () => {
  const page = ana.page;
  const stage = page.locator('.stage');
  const bobTile = page.locator('[data-testid=tile]:not(.self)');
  const selfTile = page.locator('[data-testid=tile].self');

  await bobTile.hover();
  await bobTile.locator('[data-testid=pin-tile]').click();
  await expect(bobTile.getAttribute('class')).resolves.toMatch(/\bfeatured\b/);
  await expect(stage.getAttribute('class')).resolves.toMatch(/\bfeaturing\b/);
  await expect(bobTile.locator('[data-testid=pin-tile]').getAttribute('aria-pressed')).resolves.toBe('true');
  // Bob's tile is drawn larger than ours while pinned.
  const [big, small] = await Promise.all([bobTile.boundingBox(), selfTile.boundingBox()]);
  expect(big!.width).toBeGreaterThan(small!.width * 2);
  await bobTile.locator('[data-testid=pin-tile]').click();
  await expect(stage.getAttribute('class')).resolves.not.toMatch(/\bfeaturing\b/);

  // Speaker view features the other person, never ourselves.
  await page.click('[data-testid=toggle-view]');
  await expect(page.locator('[data-testid=toggle-view]').innerText()).resolves.toBe('Grid view');
  await expect(bobTile.getAttribute('class')).resolves.toMatch(/\bfeatured\b/);
  await expect(selfTile.getAttribute('class')).resolves.not.toMatch(/\bfeatured\b/);
  await page.click('[data-testid=toggle-view]');
  await expect(bobTile.getAttribute('class')).resolves.not.toMatch(/\bfeatured\b/);

  await page.click('[data-testid=toggle-self-view]');
  await selfTile.waitFor({ state: 'hidden' });
  await expect(page.locator('[data-testid=grid]').getAttribute('class')).resolves.toMatch(/\bn1\b/);
  await page.click('[data-testid=toggle-self-view]');
  await selfTile.waitFor({ state: 'visible' });
});

test('the invite link is copied to the clipboard from inside the meeting', async () => {
  await ana.page.click('[data-testid=copy-invite]');
  await ana.page.locator('[data-testid=toast]', { hasText: 'Link copied' }).waitFor();
  const copied = await ana.page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`${new URL(stack.cloud.url).origin}/r/${roomId}`);
});

test('each remote tile shows its connection quality in words', async () => {
  const indicator = ana.page.locator('[data-testid=tile]:not(.self) [data-testid=tile-quality]');
  await indicator.waitFor({ state: 'attached', timeout: 15_000 });
  const title = await indicator.getAttribute('title');
  expect(title).toMatch(/^(Good|Weak|Poor) connection: [\d.]+% packets lost/);
  await expect(indicator.getAttribute('aria-label')).resolves.toBe(title);
  await expect(ana.page.locator('[data-testid=tile].self [data-testid=tile-quality]').count()).resolves.toBe(0);
});

test("turning the camera off shows in the other person's People list, beside the mic state", async () => {
  await openPanel(bob.page, 'people');
  const anaRow = bob.page.locator('[data-testid=participant]', { hasText: 'Ana' });
  await expect(anaRow.locator('[data-testid=person-cam]').innerText()).resolves.toBe('Camera on');
  await expect(anaRow.locator('[data-testid=person-mic]').innerText()).resolves.toBe('Mic on');
  await ana.page.click('[data-testid=toggle-cam]');
  await waitUntil(
    'Ana shown with her camera off',
    async () => (await anaRow.locator('[data-testid=person-cam]').innerText()) === 'Camera off',
  );
  expect([...ana.errors, ...bob.errors]).toEqual([]);
});
