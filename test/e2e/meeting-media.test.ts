/**
 * Media between real browsers through the whole local stack (HTTP API, PeerJS signaling and the room socket on the
 * local API Gateway emulation, handlers unchanged): who sees and hears whom, screen shares, leaving, and surviving
 * a dropped signaling socket.
 */
import type { Page } from 'playwright-core';
import { dropSockets, inboundTotals, openSockets, waitForMediaFlowing, waitUntil } from '../support/browser';
import { createRoom, joinRoom, openPerson, startStack, tileNames, waitForTiles, type Stack } from './meeting-helpers';

jest.setTimeout(180_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ camera: 'chromium' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function closePages(...pages: Page[]) {
  await Promise.all(pages.map((p) => p.context().close()));
}

test('two people see and hear each other', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);

  const [a, b] = await Promise.all([waitForMediaFlowing(ana.page), waitForMediaFlowing(bob.page)]);
  expect(a.framesDecoded).toBeGreaterThan(0);
  expect(b.framesDecoded).toBeGreaterThan(0);
  expect(a.audioPacketsReceived).toBeGreaterThan(0);
  expect(b.audioPacketsReceived).toBeGreaterThan(0);
  // Exactly one camera call between the two (never one in each direction).
  expect(a.openConnections).toBe(1);
  expect(b.openConnections).toBe(1);
  await waitForTiles(ana.page, 2);
  expect((await tileNames(ana.page)).sort()).toEqual(['Ana (you)', 'Bob']);
  expect((await tileNames(bob.page)).sort()).toEqual(['Ana', 'Bob (you)']);
  expect([...ana.errors, ...bob.errors]).toEqual([]);
  await closePages(ana.page, bob.page);
});

test('a four-person mesh holds for 20 s with one call per pair', async () => {
  const people = await Promise.all(['P1', 'P2', 'P3', 'P4'].map((n) => openPerson(stack, n)));
  const roomId = await createRoom(people[0]!, stack);
  for (const p of people) await joinRoom(p, stack, roomId);
  await Promise.all(people.map((p) => waitForMediaFlowing(p.page, { minConnections: 3, timeoutMs: 60_000 })));

  // Hold: for 20 s every page keeps exactly 3 connected calls and every one of them keeps decoding frames.
  const started = Date.now();
  let previous = await Promise.all(people.map((p) => inboundTotals(p.page)));
  while (Date.now() - started < 20_000) {
    const now = await waitUntil('every connection decoding new frames', async () => {
      const totals = await Promise.all(people.map((p) => inboundTotals(p.page)));
      const allRising = totals.every(
        (t, i) =>
          t.openConnections === 3 &&
          t.framesDecodedPerConnection.every((f, j) => f > (previous[i]!.framesDecodedPerConnection[j] ?? 0)),
      );
      return allRising ? totals : undefined;
    });
    previous = now;
  }
  for (const t of previous) {
    expect(t.openConnections).toBe(3);
    expect(t.framesDecodedPerConnection).toHaveLength(3);
  }
  for (const p of people) await waitForTiles(p.page, 4);
  await closePages(...people.map((p) => p.page));
});

test('a screen share reaches a late joiner, and stopping it clears the spotlight', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await ana.page.click('[data-testid=toggle-screen]');
  await ana.page.locator('[data-testid=spotlight]').waitFor({ state: 'visible' });

  // Bob arrives after the share started.
  await joinRoom(bob, stack, roomId);
  await bob.page.locator('[data-testid=spotlight]').waitFor({ state: 'visible', timeout: 30_000 });
  await waitUntil('the shared screen decoding on the late joiner', () =>
    bob.page.$eval('[data-testid=spotlight-video]', (v) => (v as HTMLVideoElement).videoWidth > 0),
  );
  // Two calls reach Bob from Ana: her camera and her screen.
  await waitUntil('camera + screen connections', async () => (await inboundTotals(bob.page)).openConnections === 2);

  await ana.page.click('[data-testid=toggle-screen]');
  await bob.page.locator('[data-testid=spotlight]').waitFor({ state: 'hidden', timeout: 15_000 });
  await closePages(ana.page, bob.page);
});

/** The outgoing camera encodings of every live connection on the page (what setParameters applied). */
async function cameraEncodings(page: Page) {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __testPeerConnections: RTCPeerConnection[] }).__testPeerConnections;
    return pcs
      .filter((pc) => pc.connectionState === 'connected')
      .flatMap((pc) => pc.getSenders().filter((s) => s.track?.kind === 'video'))
      .map((s) => {
        const e = s.getParameters().encodings[0] ?? {};
        return { active: e.active, maxBitrate: e.maxBitrate, maxFramerate: e.maxFramerate };
      });
  });
}

test('each sender caps its video by room size (mesh quality policy) and audio-only stops it', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const cleo = await openPerson(stack, 'Cleo');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForMediaFlowing(ana.page);
  await waitUntil('two-person cap on Ana’s camera', async () => {
    const enc = await cameraEncodings(ana.page);
    return enc.length === 1 && enc[0]!.maxBitrate === 1_200_000 && enc[0]!.maxFramerate === 30;
  });

  await joinRoom(cleo, stack, roomId);
  await waitForMediaFlowing(ana.page, { minConnections: 2 });
  await waitUntil('three-person cap on both of Ana’s camera senders', async () => {
    const enc = await cameraEncodings(ana.page);
    return enc.length === 2 && enc.every((e) => e.active !== false && e.maxBitrate === 800_000);
  });

  await ana.page.click('[data-testid=toggle-audio-only]');
  await waitUntil('Ana’s camera senders inactive', async () => {
    const enc = await cameraEncodings(ana.page);
    return enc.length === 2 && enc.every((e) => e.active === false);
  });
  // Audio keeps flowing to the others.
  await waitForMediaFlowing(bob.page, { minConnections: 2 });
  await closePages(ana.page, bob.page, cleo.page);
});

test("a leaver's tile disappears within 2 s", async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForMediaFlowing(ana.page);
  await waitForTiles(ana.page, 2);

  await bob.page.click('[data-testid=leave]');
  await waitForTiles(ana.page, 1, 2_000);
  expect(await tileNames(ana.page)).toEqual(['Ana (you)']);
  await bob.page.locator('[data-testid=ended][data-reason=left]').waitFor();
  await closePages(ana.page, bob.page);
});

test('a dropped signaling socket reconnects without losing media, and new calls still connect', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForMediaFlowing(bob.page);
  const peerSocket = /[?&]key=/;
  const before = await openSockets(bob.page, peerSocket);
  expect(before).toHaveLength(1);

  expect(await dropSockets(bob.page, peerSocket)).toBe(1);
  // Media keeps flowing peer to peer while signaling is down and after it is back.
  const during = await waitForMediaFlowing(bob.page);
  expect(during.openConnections).toBe(1);
  await waitUntil('a new PeerJS socket for the same peer id', async () => {
    const now = await openSockets(bob.page, peerSocket);
    const id = (url: string) => new URL(url).searchParams.get('id');
    return now.length === 1 && id(now[0]!) === id(before[0]!);
  });
  await bob.page.locator('[data-testid=connection-banner]').waitFor({ state: 'hidden' });

  // Signaling works again: a newcomer's call reaches Bob.
  const cleo = await openPerson(stack, 'Cleo');
  await joinRoom(cleo, stack, roomId);
  await waitForMediaFlowing(bob.page, { minConnections: 2 });
  await waitForMediaFlowing(cleo.page, { minConnections: 2 });
  await waitForTiles(bob.page, 3);
  await closePages(ana.page, bob.page, cleo.page);
});

test('a dropped room socket reconnects: roster, chat and media carry on', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForMediaFlowing(bob.page);
  // The room socket is the one without a query (the PeerJS socket has ?key=…).
  const roomSocket = /\/peerjs$/;
  expect(await dropSockets(bob.page, roomSocket)).toBe(1);

  await waitUntil('a new room socket', async () => (await openSockets(bob.page, roomSocket)).length === 1);
  await bob.page.locator('[data-testid=connection-banner]').waitFor({ state: 'hidden' });
  const during = await waitForMediaFlowing(bob.page);
  expect(during.openConnections).toBe(1);
  // The room works again in both directions.
  await bob.page.click('[data-testid=toggle-chat]');
  await bob.page.fill('[data-testid=chat-input]', 'back again');
  await bob.page.click('[data-testid=chat-send]');
  await ana.page.click('[data-testid=toggle-chat]');
  await waitUntil('chat after the reconnect', async () =>
    (await ana.page.$$eval('[data-testid=chat-text]', (els) => els.map((e) => e.textContent))).includes('back again'),
  );
  await waitForTiles(ana.page, 2);
  await waitForTiles(bob.page, 2);
  await closePages(ana.page, bob.page);
});

test('a peer that reloads the page comes back as one tile with media, without the others reloading', async () => {
  const ana = await openPerson(stack, 'Ana');
  const bob = await openPerson(stack, 'Bob');
  const roomId = await createRoom(ana, stack);
  await joinRoom(ana, stack, roomId);
  await joinRoom(bob, stack, roomId);
  await waitForMediaFlowing(ana.page);

  await bob.page.reload();
  await joinRoom(bob, stack, roomId);
  await waitUntil(
    'one live call to the returned Bob',
    async () => (await inboundTotals(ana.page)).openConnections === 1,
  );
  const after = await waitForMediaFlowing(ana.page);
  expect(after.openConnections).toBe(1);
  await waitForTiles(ana.page, 2);
  expect((await tileNames(ana.page)).sort()).toEqual(['Ana (you)', 'Bob']);
  await closePages(ana.page, bob.page);
});
