/**
 * The attack an outside test found, replayed in Chromium: a person keeps the room ticket they were given and, after
 * being removed or after leaving, opens the PeerJS socket with it and calls someone in the room (whose page would
 * answer with camera and microphone). The same hand-written client with a current member's ticket receives media,
 * so the zeros below are the defence, not a client that cannot receive.
 */
import type { Page } from 'playwright-core';
import { waitUntil } from '../support/browser';
import {
  createRoom,
  joinRoom,
  openPanel,
  openPerson,
  startStack,
  tileNames,
  waitForTiles,
  type Stack,
} from './meeting-helpers';
import { guestGrant, rawCall, rawJoin, type Grant } from './raw-peer-client';

jest.setTimeout(240_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

/** The ticket and peer id the page gets from its join request (what an attacker would keep). */
function captureGrant(page: Page): Promise<Grant> {
  return new Promise((resolve) => {
    page.on('response', (response) => {
      if (!/\/api\/rooms\/[^/]+\/join$/.test(new URL(response.url()).pathname)) return;
      void response.json().then((body: { ticket?: string; peerId?: string; status?: string }) => {
        if (body.ticket && body.peerId && body.status === 'joined')
          resolve({ ticket: body.ticket, peerId: body.peerId });
      });
    });
  });
}

// How long an attack is watched for media after its OFFER: well past a loopback ICE + DTLS setup (the control's
// media arrives within it on the same machine).
const ATTACK_WATCH_MS = 8_000;

test('a removed participant and one who left get no media with the ticket they kept, and no page shows them', async () => {
  const host = await openPerson(stack, 'Hosta');
  const mallory = await openPerson(stack, 'Mallory');
  const leah = await openPerson(stack, 'Leah');
  const hostGrant = captureGrant(host.page);
  const roomId = await createRoom(host, stack);
  await joinRoom(host, stack, roomId);
  const hostPeer = (await hostGrant).peerId;
  const malloryGrant = captureGrant(mallory.page);
  await joinRoom(mallory, stack, roomId);
  const leahGrant = captureGrant(leah.page);
  await joinRoom(leah, stack, roomId);
  await waitForTiles(host.page, 3);

  // The control: a current member's raw client is let in and the host's page sends it media.
  const carol = await openPerson(stack, 'Carol');
  await carol.page.goto(stack.cloud.url);
  const carolGrant = await guestGrant(carol.page, roomId, 'Carol');
  expect(await rawJoin(carol.page, carolGrant)).toEqual({ outcome: 'welcome' });
  const control = await rawCall(carol.page, carolGrant, hostPeer);
  expect(control).toMatchObject({ opened: true, answered: true });
  expect(control.bytesReceived).toBeGreaterThan(0);

  // Removed: the host removes Mallory, whose kept ticket then opens nothing and receives nothing.
  await openPanel(host.page, 'people');
  await host.page.locator('[data-testid=participant]', { hasText: 'Mallory' }).locator('[data-testid=remove]').click();
  await mallory.page.locator('[data-testid=ended][data-reason=removed]').waitFor({ timeout: 15_000 });
  const removedCall = await rawCall(mallory.page, await malloryGrant, hostPeer, ATTACK_WATCH_MS);
  expect(removedCall).toEqual({ opened: false, frames: [], answered: false, bytesReceived: 0 });
  expect(await rawJoin(mallory.page, await malloryGrant)).toEqual({ outcome: 'refused' });

  // Left: Leah leaves; her kept ticket is worth as little.
  await leah.page.click('[data-testid=leave]');
  await leah.page.locator('[data-testid=ended][data-reason=left]').waitFor({ timeout: 15_000 });
  const leftCall = await rawCall(leah.page, await leahGrant, hostPeer, ATTACK_WATCH_MS);
  expect(leftCall).toEqual({ opened: false, frames: [], answered: false, bytesReceived: 0 });
  expect(await rawJoin(leah.page, await leahGrant)).toEqual({ outcome: 'refused' });

  // No page shows them: the host sees itself and Carol (the raw member), nobody else.
  await waitUntil(
    'host shows only current members',
    async () => JSON.stringify((await tileNames(host.page)).sort()) === JSON.stringify(['Carol', 'Hosta (you)']),
  );
  expect([...host.errors, ...mallory.errors, ...leah.errors]).toEqual([]);
  await Promise.all([host, mallory, leah, carol].map((p) => p.page.context().close()));
});
