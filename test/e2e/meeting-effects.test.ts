/**
 * Background effects in real browsers through the local stack. Both people's fake cameras play a photo of a real
 * person in front of a checkered wall (test/fixtures/person). Ann picks a strong blur before joining; Bob, who has
 * no effect, compares what he receives from Ann with his own raw camera picture, region by region: the wall must
 * change strongly while Ann's face and shoulders stay close. Then Ann uploads her own image in the meeting (the
 * wall must match that image), and goes back to no effect (the raw camera again). The call is never renegotiated.
 * Last, Cleo, whose browser is made to lack insertable streams (MediaStreamTrackProcessor/Generator), takes Ann's
 * place: her blur goes the canvas/OffscreenCanvas way and must reach Bob just the same.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { waitForMediaFlowing, waitUntil } from '../support/browser';
import { backgroundPng, personCamera, type MediaFixture } from '../support/media-fixtures';
import { createRoom, joinRoom, openPerson, startStack, waitForTiles, type Person, type Stack } from './meeting-helpers';

jest.setTimeout(240_000);

let stack: Stack;
let ann: Person;
let bob: Person;
let roomId: string;
let upload: MediaFixture;

// Pictures are compared at half the camera's 640×360.
const W = 320;
const H = 180;
type Region = (x: number, y: number) => boolean;
/** The checkered wall left and right of the photo (the photo spans x 145–495 of 640). */
const WALL: Region = (x) => x < 60 || x >= 260;
/** Ann's face and her chest: well inside the person whatever the mask does at the edges. */
const PERSON: Region = (x, y) =>
  (x >= 130 && x < 170 && y >= 22 && y < 68) || (x >= 110 && x < 190 && y >= 105 && y < 170);
const EVERYWHERE: Region = () => true;

/** Mean absolute difference of R, G and B (0–255) between two RGBA pictures over a region. */
function meanDiff(a: number[], b: number[], region: Region): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!region(x, y)) continue;
      const i = (y * W + x) * 4;
      sum += Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!);
      count += 3;
    }
  }
  return sum / count;
}

/** The current picture of a <video> (or of an image URL), drawn at W×H, as RGBA bytes. */
async function picture(page: Page, source: { video: string } | { image: string }): Promise<number[]> {
  return page.evaluate(
    async ({ source, W, H }) => {
      const canvas = Object.assign(document.createElement('canvas'), { width: W, height: H });
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      if ('video' in source) {
        const video = document.querySelector(source.video) as HTMLVideoElement;
        if (!video || video.videoWidth === 0) throw new Error(`${source.video} shows no video`);
        ctx.drawImage(video, 0, 0, W, H);
      } else {
        const img = new Image();
        img.src = source.image;
        await img.decode();
        ctx.drawImage(img, 0, 0, W, H);
      }
      return Array.from(ctx.getImageData(0, 0, W, H).data);
    },
    { source, W, H },
  );
}

const ANN_ON_BOBS_PAGE = { video: '[data-testid=tile]:not(.self) video' };
const BOBS_OWN_CAMERA = { video: '[data-testid=tile].self video' };

interface Seen {
  wall: number;
  person: number;
  everywhere: number;
}

/** What Bob receives from Ann against a reference picture (his own raw camera, or the uploaded image). */
async function compare(reference: () => Promise<number[]>): Promise<Seen> {
  const received = await picture(bob.page, ANN_ON_BOBS_PAGE);
  const ref = await reference();
  return {
    wall: meanDiff(received, ref, WALL),
    person: meanDiff(received, ref, PERSON),
    everywhere: meanDiff(received, ref, EVERYWHERE),
  };
}

const raw = () => picture(bob.page, BOBS_OWN_CAMERA);

/**
 * Polls until `ok` holds for what Bob sees from `sender` (effects take a moment to load and reach him, longer on a
 * busy machine: the wait is generous, it is no timing assert); returns the last figures.
 */
async function waitForSeen(
  what: string,
  reference: () => Promise<number[]>,
  ok: (s: Seen) => boolean,
  sender: Person = ann,
): Promise<Seen> {
  let last: Seen | undefined;
  try {
    await waitUntil(
      what,
      async () => {
        last = await compare(reference);
        return ok(last);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  } catch (err) {
    // What the sender's page says about its effect (turned off, and why) explains most failures here.
    const said = await sender.page
      .locator('[data-testid=toast], [data-testid=effects-status]')
      .allInnerTexts()
      .catch(() => []);
    throw new Error(
      `${(err as Error).message}; last seen ${JSON.stringify(last)}; ${sender.name}'s page says ${JSON.stringify(said)}; ${sender.name}'s log: ${sender.logs.join('\n')}`,
      { cause: err },
    );
  }
  return last!;
}

/** The video tracks a page's connected calls send: whether each is an effect's output, and of which kind. */
async function sentVideo(page: Page): Promise<{ track: string; screen: boolean }[]> {
  return page.evaluate(() =>
    (window as unknown as { __testPeerConnections: RTCPeerConnection[] }).__testPeerConnections
      .filter((pc) => pc.connectionState === 'connected')
      .flatMap((pc) => pc.getSenders())
      .map((s) => s.track)
      .filter((t): t is MediaStreamTrack => t?.kind === 'video')
      .map((t) => ({ track: t.constructor.name, screen: typeof t.getSettings().displaySurface === 'string' })),
  );
}

/** Counts, on Ann's page from now on, renegotiations: negotiationneeded events and PeerJS OFFERs sent. */
async function watchNegotiation(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __testPeerConnections: RTCPeerConnection[];
      __testSockets: WebSocket[];
      __renegotiations: number;
    };
    w.__renegotiations = 0;
    for (const pc of w.__testPeerConnections) {
      pc.addEventListener('negotiationneeded', () => w.__renegotiations++);
    }
    for (const ws of w.__testSockets) {
      const send = ws.send.bind(ws);
      ws.send = (data) => {
        if (typeof data === 'string' && data.includes('"OFFER"')) w.__renegotiations++;
        send(data);
      };
    }
  });
}

const renegotiations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __renegotiations: number }).__renegotiations);
const peerConnections = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { __testPeerConnections: RTCPeerConnection[] }).__testPeerConnections.length,
  );

beforeAll(async () => {
  // 10 fps: the effect keeps up even when the test machine is busy, so it never turns itself off mid-test.
  const camera = await personCamera({ width: 640, height: 360, fps: 10 });
  upload = await backgroundPng();
  stack = await startStack({ browserArgs: [`--use-file-for-fake-video-capture=${camera}`] });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

test('a blur chosen before joining reaches the other page: the wall changes, the person stays, and it is remembered', async () => {
  ann = await openPerson(stack, 'Ann');
  bob = await openPerson(stack, 'Bob');
  roomId = await createRoom(ann, stack);
  await ann.page.check('[data-testid=effect-blur-strong]');
  await joinRoom(ann, stack, roomId);
  await joinRoom(bob, stack, roomId);
  for (const p of [ann, bob]) await waitForTiles(p.page, 2);
  await waitForMediaFlowing(bob.page);
  await watchNegotiation(ann.page);

  const blurred = await waitForSeen('Ann blurred on Bob’s page', raw, (s) => s.wall > 40 && s.person < 16);
  expect(blurred.wall).toBeGreaterThan(40);
  expect(blurred.person).toBeLessThan(16);

  // The choice is kept on Ann's device: a new pre-join page there starts with it selected.
  const again = await ann.page.context().newPage();
  await again.goto(`${stack.cloud.url}/r/${roomId}`);
  // (Kept even if Ann's device could not keep up meanwhile and switched the effect off: that is not her choice.)
  const remembered = await again.locator('[data-testid=effect-blur-strong]').isChecked();
  const annSays = await ann.page.locator('[data-testid=effects-status]').innerText();
  expect({ remembered, annSays }).toEqual({ remembered: true, annSays });
  await again.close();
});

test('her own image replaces the background in the meeting, without renegotiating the call', async () => {
  const pcsBefore = await peerConnections(ann.page);
  await ann.page.click('[data-testid=toggle-effects]');
  await ann.page.locator('[data-testid=effects-dialog]').waitFor({ state: 'visible' });
  await ann.page.setInputFiles('[data-testid=effects-dialog] [data-testid=effect-upload]', upload.path);
  await waitUntil(
    'the uploaded image to be the chosen background',
    () => ann.page.locator('[data-testid=effects-dialog] [data-testid=effect-image-custom]').isChecked(),
    { timeoutMs: 60_000 },
  );

  const image = `data:image/png;base64,${(await readFile(upload.path)).toString('base64')}`;
  const uploaded = () => picture(bob.page, { image });
  const replaced = await waitForSeen('Ann’s own background on Bob’s page', uploaded, (s) => s.wall < 20);
  expect(replaced.wall).toBeLessThan(20);
  // Polled as well, not one sample: a frame between two segmentations may carry the previous mask.
  const person = await waitForSeen('Ann herself kept in front of her image', raw, (s) => s.person < 16);
  expect(person.person).toBeLessThan(16);
  expect(await ann.page.locator('[data-testid=effects-dialog] [data-testid=effect-image-custom]').isChecked()).toBe(
    true,
  );

  expect(await renegotiations(ann.page)).toBe(0);
  expect(await peerConnections(ann.page)).toBe(pcsBefore);
  // Its waits add up to more than the suite's default on a loaded machine (decoding the upload, the worker
  // switching, the picture reaching Bob): room for them, no assertion on how long they took.
}, 360_000);

test('choosing none sends the raw camera again, still on the same connection', async () => {
  const pcsBefore = await peerConnections(ann.page);
  await ann.page.check('[data-testid=effects-dialog] [data-testid=effect-none]');
  const restored = await waitForSeen('Ann’s raw camera on Bob’s page', raw, (s) => s.everywhere < 12);
  expect(restored.everywhere).toBeLessThan(12);
  expect(await renegotiations(ann.page)).toBe(0);
  expect(await peerConnections(ann.page)).toBe(pcsBefore);
  expect(ann.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
});

test('a screen share is never processed: the screen call sends the captured screen while the camera is blurred', async () => {
  await ann.page.check('[data-testid=effects-dialog] [data-testid=effect-blur-strong]');
  await waitForSeen('Ann blurred again on Bob’s page', raw, (s) => s.wall > 40 && s.person < 16);
  await ann.page.click('[data-testid=effects-dialog] button[type=submit]');
  await ann.page.click('[data-testid=toggle-screen]');
  await bob.page.locator('[data-testid=spotlight]').waitFor({ state: 'visible', timeout: 30_000 });
  await waitUntil('Ann’s screen decoding on Bob’s page', () =>
    bob.page.$eval('[data-testid=spotlight-video]', (v) => (v as HTMLVideoElement).videoWidth > 0),
  );

  // What each of Ann's live connections sends as video: the camera call the effect's output, the screen call
  // the display-capture track itself.
  const sent = (await sentVideo(ann.page)).map(({ track, screen }) => ({
    processed: track === 'MediaStreamTrackGenerator',
    screen,
  }));
  expect(sent).toHaveLength(2);
  expect(sent).toContainEqual({ processed: true, screen: false });
  expect(sent).toContainEqual({ processed: false, screen: true });

  await ann.page.click('[data-testid=toggle-screen]');
  await bob.page.locator('[data-testid=spotlight]').waitFor({ state: 'hidden', timeout: 15_000 });
  expect(ann.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
});

test('without insertable streams the blur goes the canvas way and still reaches the other page', async () => {
  const dialog = ann.page.locator('[data-testid=effects-dialog]');
  if (await dialog.isVisible()) await dialog.locator('button[type=submit]').click();
  await ann.page.click('[data-testid=leave]');
  await waitForTiles(bob.page, 1);
  const cleo = await openPerson(stack, 'Cleo');
  // Before any page script: this browser now has no MediaStreamTrackProcessor/Generator, like one without them.
  await cleo.page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    delete w.MediaStreamTrackProcessor;
    delete w.MediaStreamTrackGenerator;
  });
  await cleo.page.goto(`${stack.cloud.url}/r/${roomId}`);
  await cleo.page.check('[data-testid=effect-blur-strong]');
  await joinRoom(cleo, stack, roomId);
  for (const p of [cleo, bob]) await waitForTiles(p.page, 2);
  await waitForMediaFlowing(bob.page);

  const blurred = await waitForSeen('Cleo blurred on Bob’s page', raw, (s) => s.wall > 40 && s.person < 16, cleo);
  expect(blurred.wall).toBeGreaterThan(40);
  expect(blurred.person).toBeLessThan(16);
  // The call sends the OffscreenCanvas' capture, not an insertable-streams generator.
  expect(await sentVideo(cleo.page)).toEqual([{ track: 'CanvasCaptureMediaStreamTrack', screen: false }]);
  expect(cleo.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
});
