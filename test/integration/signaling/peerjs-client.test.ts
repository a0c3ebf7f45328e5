import WebSocket from 'ws';
import type { DataConnection, Peer as PeerType, PeerError } from 'peerjs';
import { issueMemberTicket } from '../../support/member-ticket';
import { PEER_PING_INTERVAL_MS } from '../../../functions/signaling/heartbeat';
import { withCredentialSocket } from '../../../frontend/src/net/credential-socket';
import { startTestCloud, type TestCloud } from './peer-socket';

/*
 * The unmodified peerjs@1.5.5 client (its Socket, Peer and Negotiator code) against our handlers behind the local
 * gateway. Node has no WebRTC, so RTCPeerConnection is a recording stand-in: everything the client sends and
 * receives over signalling is its own logic. Real media between browsers is proved by the e2e tier.
 */

const OFFER_SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const ANSWER_SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=answer\r\n';
const CANDIDATE = {
  candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.10 54400 typ srflx',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'uf',
};

class FakeDataChannel extends EventTarget {
  readyState = 'connecting';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  onopen: (() => void) | null = null;
  constructor(readonly label: string) {
    super();
  }
  open() {
    this.readyState = 'open';
    this.onopen?.();
  }
  close() {
    this.readyState = 'closed';
  }
}

class RecordingPeerConnection {
  static all: RecordingPeerConnection[] = [];
  remoteDescriptions: Array<{ type: string; sdp: string }> = [];
  candidates: unknown[] = [];
  signalingState = 'stable';
  channel?: FakeDataChannel;
  onicecandidate?: (event: { candidate: unknown }) => void;
  constructor() {
    RecordingPeerConnection.all.push(this);
  }
  createDataChannel(label: string) {
    return (this.channel = new FakeDataChannel(label));
  }
  async createOffer() {
    return { type: 'offer', sdp: OFFER_SDP };
  }
  async createAnswer() {
    return { type: 'answer', sdp: ANSWER_SDP };
  }
  async setLocalDescription() {
    // Trickle ICE: a browser starts gathering once the local description is set.
    setTimeout(() => this.onicecandidate?.({ candidate: CANDIDATE }), 0);
  }
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescriptions.push({ type: description.type, sdp: description.sdp });
    // The caller's channel "opens" once the answer is in (ICE and DTLS are what a browser would add here).
    if (description.type === 'answer') setTimeout(() => this.channel?.open(), 0);
  }
  async addIceCandidate(candidate: unknown) {
    this.candidates.push(candidate);
  }
  close() {
    this.signalingState = 'closed';
  }
}

const g = globalThis as Record<string, unknown>;
let cloudOrigin = '';
// A browser sends Origin on every WebSocket upgrade; the authorizer checks it.
g.WebSocket = class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { headers: { Origin: cloudOrigin } });
  }
};
g.location = { protocol: 'http:', hostname: '127.0.0.1' };
g.RTCPeerConnection = RecordingPeerConnection;
g.RTCSessionDescription = class {
  type: string;
  sdp: string;
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
};

function until<T>(register: (resolve: (value: T) => void) => void, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('the unmodified peerjs@1.5.5 client against our signalling (local gateway)', () => {
  jest.setTimeout(30_000);
  let t: TestCloud;
  let Peer: typeof PeerType;
  const peers: PeerType[] = [];
  const roomId = `room-${Date.now().toString(36)}`;

  async function newPeer(peerId: string, sub = `user-${peerId}`): Promise<PeerType> {
    const token = await issueMemberTicket({ sub, name: peerId, roomId, peerId, role: 'member' });
    // The browser's way (frontend/src/net/signaling.ts): the ticket as a subprotocol, PeerJS's own token dropped.
    const peer = withCredentialSocket(
      token,
      () =>
        new Peer(peerId, {
          host: '127.0.0.1',
          port: t.cloud.port,
          path: '/',
          key: 'peerjs',
          secure: false,
          pingInterval: PEER_PING_INTERVAL_MS,
          config: { iceServers: [] },
          debug: 0,
        }),
    );
    peers.push(peer);
    return peer;
  }
  const opened = (peer: PeerType) => until<string>((done) => peer.on('open', done), `'open' of ${peer.id}`);
  const failed = (peer: PeerType) =>
    until<PeerError<string>>((done) => peer.on('error', (e) => done(e as PeerError<string>)), 'an error');

  beforeAll(async () => {
    t = await startTestCloud();
    cloudOrigin = t.cloud.url;
    // Loaded after the globals above: peerjs feature-detects WebRTC when its module loads.
    Peer = (await import('peerjs')).Peer;
  }, 60_000);
  afterAll(async () => {
    for (const p of peers) p.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t?.stop();
  }, 30_000);

  it("emits 'open' with the id from the room ticket", async () => {
    const alice = await newPeer('alice');
    await expect(opened(alice)).resolves.toBe('alice');
  });

  it("emits 'unavailable-id' when another identity holds the id", async () => {
    const impostor = await newPeer('alice', 'someone-else');
    const error = await failed(impostor);
    expect(error.type).toBe('unavailable-id');
    expect(impostor.destroyed).toBe(true);
  });

  it('carries a data connection OFFER → ANSWER → CANDIDATEs between two clients, src stamped by the server', async () => {
    const alice = peers[0]!;
    const bob = await newPeer('bob');
    await opened(bob);
    const incoming = until<DataConnection>((done) => bob.on('connection', done), "bob's 'connection'");
    const outgoing = alice.connect('bob', { metadata: { purpose: 'whiteboard' }, reliable: true });
    const conn = await incoming;
    expect(conn.peer).toBe('alice');
    expect(conn.metadata).toEqual({ purpose: 'whiteboard' });
    expect(conn.connectionId).toBe(outgoing.connectionId);

    const alicePc = outgoing.peerConnection as unknown as RecordingPeerConnection;
    const bobPc = conn.peerConnection as unknown as RecordingPeerConnection;
    await until<void>((done) => {
      const poll = setInterval(() => {
        if (alicePc.remoteDescriptions.length && alicePc.candidates.length && bobPc.candidates.length) {
          clearInterval(poll);
          done();
        }
      }, 20);
    }, 'answer and candidates both ways');
    expect(bobPc.remoteDescriptions).toEqual([{ type: 'offer', sdp: OFFER_SDP }]);
    expect(alicePc.remoteDescriptions).toEqual([{ type: 'answer', sdp: ANSWER_SDP }]);
    expect(bobPc.candidates).toEqual([CANDIDATE]);
    expect(alicePc.candidates).toEqual([CANDIDATE]);
  });

  it("emits 'peer-unavailable' when calling a peer that is not in the room", async () => {
    const alice = peers[0]!;
    const error = until<PeerError<string>>(
      (done) => alice.once('error', (e) => done(e as PeerError<string>)),
      'EXPIRE',
    );
    alice.connect('nobody');
    const e = await error;
    expect(e.type).toBe('peer-unavailable');
    expect(alice.open).toBe(true);
  });

  it('closes the connections to a peer that leaves (server LEAVE), without waiting for WebRTC', async () => {
    const alice = peers[0]!;
    const bob = peers.find((p) => p.id === 'bob')!;
    const toBob = (alice.connections as Record<string, DataConnection[]>)['bob']!;
    expect(toBob).toHaveLength(1);
    expect(toBob[0]!.open).toBe(true);
    const closed = until<void>((done) => toBob[0]!.on('close', () => done()), "alice's connection 'close'");
    bob.destroy();
    await closed;
    expect((alice.connections as Record<string, DataConnection[]>)['bob']).toBeUndefined();
  });

  it("reconnects after a dropped socket with a fresh ticket and gets 'open' again", async () => {
    const alice = peers[0]!;
    alice.disconnect();
    expect(alice.disconnected).toBe(true);
    const ticket = await issueMemberTicket({
      sub: 'user-alice',
      name: 'alice',
      roomId,
      peerId: 'alice',
      role: 'member',
    });
    const again = opened(alice);
    withCredentialSocket(ticket, () => alice.reconnect());
    await expect(again).resolves.toBe('alice');
  });
});
