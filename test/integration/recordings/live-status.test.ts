import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { issueAccessToken, issueRoomTicket } from '../../../functions/auth/tickets';
import { notifyOwner } from '../../../functions/recordings/notify';
import type { RecordingRecord } from '../../../functions/recordings/recording-store';
import { connectionRegistry, userRoomKey } from '../../../functions/signaling/connection-registry';
import { RecordingServerMessage } from '../../../functions/shared/protocol/recordings';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';
import { credentialSocket, upgradeStatus } from '../../support/credential-socket';

/*
 * The Recordings page's own socket (scope=user) through the whole local cloud: the gateway, the unchanged
 * WsAuthorizer, WsConnect, RoomSocket and WsDisconnect handlers, DynamoDB (dynalite) and @connections. The push
 * is the production `notifyOwner` with its default wiring, as the transcode and transcription handlers call it.
 * PostgreSQL is this machine's (a random database): PGlite's wasm loader cannot run inside jest's VM.
 */
/** A socket that queues every message so a test can take them in order. */
interface Listener {
  ws: WebSocket;
  next(): Promise<unknown>;
}

function listen(url: string, credential: string, origin: string): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const ws = credentialSocket(url, credential, { origin });
    const queued: unknown[] = [];
    const waiting: ((message: unknown) => void)[] = [];
    ws.on('message', (data) => {
      const message: unknown = JSON.parse(String(data));
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else queued.push(message);
    });
    ws.once('open', () =>
      resolve({
        ws,
        next: () => (queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise((done) => waiting.push(done))),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function recording(id: string, ownerId: string, over: Partial<RecordingRecord> = {}): RecordingRecord {
  const now = new Date().toISOString();
  return {
    id,
    ownerId,
    roomId: null,
    title: 'Talk',
    fileName: 'talk.webm',
    contentType: 'video/webm',
    sizeBytes: 1000,
    sourceKey: `uploads/${id}/source`,
    uploadId: null,
    partCount: 1,
    live: false,
    status: 'transcribing',
    percent: 40,
    failureReason: null,
    durationSeconds: 12,
    width: 640,
    height: 360,
    language: 'auto',
    translate: false,
    detectedLanguage: null,
    mp4Key: null,
    posterKey: null,
    audioKey: null,
    subtitleVersion: null,
    transcribeJobId: null,
    exportStatus: null,
    exportVersion: null,
    exportKey: null,
    exportReason: null,
    sweepStatus: null,
    sweepRetries: 0,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

const ids = { ann: randomUUID(), bob: randomUUID(), cy1: randomUUID(), cy2: randomUUID() };

describe('live recording status on the user socket (local cloud)', () => {
  let real: RealCloud;
  let cloud: LocalCloud;
  const sockets: WebSocket[] = [];
  const subs: string[] = [];

  beforeAll(async () => {
    real = await startRealCloud('live');
    cloud = real.cloud;
  }, 120_000);

  afterAll(async () => {
    // Closed before the cloud stops, so their $disconnect runs while DynamoDB still answers.
    await Promise.all(
      sockets
        .filter((ws) => ws.readyState !== WebSocket.CLOSED)
        .map((ws) => new Promise((resolve) => ws.once('close', resolve).close())),
    );
    for (const sub of subs) {
      for (let i = 0; i < 100 && (await connectionRegistry().listRoom(userRoomKey(sub))).length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await real?.stop();
  });

  const userSocketUrl = () => `ws://127.0.0.1:${cloud.port}/peerjs?scope=user`;
  const open = async (sub: string) => {
    const listener = await listen(
      userSocketUrl(),
      await issueAccessToken({ sub, name: sub, kind: 'guest' }),
      cloud.url,
    );
    sockets.push(listener.ws);
    subs.push(sub);
    return listener;
  };

  it("delivers the owner's recording status to their socket and nothing to another user's", async () => {
    const annSub = `ann-${randomBytes(3).toString('hex')}`;
    const bobSub = `bob-${randomBytes(3).toString('hex')}`;
    const ann = await open(annSub);
    const bob = await open(bobSub);

    expect(await notifyOwner(recording(ids.ann, annSub))).toBe(1);
    expect(RecordingServerMessage.parse(await ann.next())).toEqual({
      type: 'recording.status',
      recordingId: ids.ann,
      status: 'transcribing',
      percent: 40,
    });

    // Pushes go out in order, so had Bob's socket got Ann's status it would come before his own.
    expect(await notifyOwner(recording(ids.bob, bobSub, { status: 'ready', percent: null, subtitleVersion: 1 }))).toBe(
      1,
    );
    expect(await bob.next()).toEqual({
      type: 'recording.status',
      recordingId: ids.bob,
      status: 'ready',
      subtitleVersion: 1,
    });
  });

  it('drops the socket from the registry once it is closed, so later pushes reach nobody', async () => {
    const sub = `cy-${randomBytes(3).toString('hex')}`;
    const cy = await open(sub);
    expect(await notifyOwner(recording(ids.cy1, sub))).toBe(1);
    await cy.next();
    const closed = new Promise((resolve) => cy.ws.once('close', resolve));
    cy.ws.close();
    await closed;
    // $disconnect runs after the close; a 410 on the push also removes a row it has not removed yet.
    expect(await notifyOwner(recording(ids.cy2, sub))).toBe(0);
  });

  it('answers anything the user socket sends with an error and nothing else', async () => {
    const sub = `dee-${randomBytes(3).toString('hex')}`;
    const dee = await open(sub);
    dee.ws.send(JSON.stringify({ type: 'chat', text: 'hello' }));
    expect(await dee.next()).toMatchObject({ type: 'error', code: 'not_allowed' });
    dee.ws.send(JSON.stringify({ type: 'OFFER', dst: 'someone', payload: {} }));
    expect(await dee.next()).toMatchObject({ type: 'ERROR' });
  });

  it('refuses a room ticket as a user socket token, and an access token on the room socket', async () => {
    const ticket = await issueRoomTicket({
      sub: 'u-1',
      name: 'Ann',
      roomId: 'room-live-it',
      peerId: 'peer-1',
      role: 'member',
    });
    expect(await upgradeStatus(userSocketUrl(), ticket, { origin: cloud.url })).toBe(401);
    const access = await issueAccessToken({ sub: 'u-1', name: 'Ann', kind: 'guest' });
    expect(await upgradeStatus(`ws://127.0.0.1:${cloud.port}/peerjs`, access, { origin: cloud.url })).toBe(401);
    expect(await upgradeStatus(userSocketUrl(), access, { origin: 'https://evil.example' })).toBe(403);
    // The old way, the token in the URL, is refused.
    expect(await upgradeStatus(`${userSocketUrl()}&token=${access}`, undefined, { origin: cloud.url })).toBe(401);
  });
});
