import { keysMatching, removeKeysUnder, type RedisTarget } from '../../support/redis-cluster';
import { MAX_SIGNAL_BYTES } from '../../../functions/shared/protocol/peerjs';
import { PeerSocket, startTestCloud, type TestCloud } from './peer-socket';

// Per-connection limit for this run (read when the relay module loads): low enough to flood cheaply, and an hour
// long so a flood cannot straddle two windows.
export const FLOOD_LIMIT = 40;
process.env.LIMITS_JSON = JSON.stringify({ signal: { max: FLOOD_LIMIT, windowSeconds: 3600 } });

const offer = (dst: string, extra: Record<string, unknown> = {}) => ({
  type: 'OFFER',
  dst,
  payload: {
    sdp: { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n${'a=x\r\n'.repeat(1200)}` }, // ≈ 6 KB
    type: 'media',
    connectionId: 'mc_it1',
    metadata: { kind: 'camera' },
  },
  ...extra,
});
const answer = (dst: string) => ({
  type: 'ANSWER',
  dst,
  payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'media', connectionId: 'mc_it1' },
});
const candidate = (dst: string, n = 1) => ({
  type: 'CANDIDATE',
  dst,
  payload: {
    candidate: { candidate: `candidate:${n} 1 udp 1 192.0.2.1 5000 typ host`, sdpMid: '0', sdpMLineIndex: 0 },
    type: 'media',
    connectionId: 'mc_it1',
  },
});

let seq = 0;
const room = () => `room-${Date.now().toString(36)}-${seq++}`;

/** The PeerJS protocol through the local gateway (authorizer, routes, @connections, async Invoke) and our handlers. */
export function describeProtocolThroughGateway(title: string, options: Partial<RedisTarget>) {
  describe(title, () => {
    // Above one wait's own deadline (peer-socket.ts WAIT_MS, 20 s) with room for the waits before it: a frame that
    // never comes must fail with the wait's message (what the socket did get), not with jest's bare timeout, as a
    // loaded run did once (the oversize case, 150 ms alone).
    jest.setTimeout(60_000);
    let t: TestCloud;
    const sockets: PeerSocket[] = [];
    const open = async (peerId: string, roomId: string, extra: { sub?: string } = {}) => {
      const s = await PeerSocket.open(t.cloud, { peerId, roomId, ...extra });
      sockets.push(s);
      return s;
    };
    const openReady = async (peerId: string, roomId: string, extra: { sub?: string } = {}) => {
      const s = await open(peerId, roomId, extra);
      await s.nextOfType('OPEN');
      return s;
    };

    beforeAll(async () => {
      t = await startTestCloud(options);
    }, 60_000);
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(sockets.map((s) => s.closed().catch(() => undefined)));
      // Their $disconnect handlers run after the client sees the close; let them finish before the stand-ins stop.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await t?.stop();
      if (options.redisUrl && process.env.REDIS_PREFIX) {
        await removeKeysUnder({ ...options, redisUrl: options.redisUrl }, process.env.REDIS_PREFIX);
      }
    }, 30_000);

    it('answers OPEN after the handshake, through the async opener', async () => {
      const alice = await open('alice', room());
      expect(await alice.nextOfType('OPEN')).toEqual({ type: 'OPEN' });
    });

    it('relays OFFER/ANSWER/CANDIDATE within a room with src stamped by the server', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const bob = await openReady('bob', r);
      alice.send(offer('bob', { src: 'mallory' }));
      const got = await bob.nextOfType('OFFER');
      expect(got).toEqual({ type: 'OFFER', src: 'alice', dst: 'bob', payload: offer('bob').payload });
      bob.send(answer('alice'));
      expect(await alice.nextOfType('ANSWER')).toEqual({ ...answer('alice'), src: 'bob' });
      alice.send(candidate('bob'));
      expect(await bob.nextOfType('CANDIDATE')).toEqual({ ...candidate('bob'), src: 'alice' });
    });

    it('never delivers a cross-room OFFER; the caller gets EXPIRE as for an absent peer', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const carol = await openReady('carol', r);
      const eve = await openReady('eve', room());
      eve.send(offer('alice'));
      expect(await eve.nextOfType('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'alice', dst: 'eve' });
      // Frames on one socket arrive in order: once carol's marker is in, an OFFER from eve would be too.
      carol.send(candidate('alice', 7));
      await alice.nextOfType('CANDIDATE');
      expect(alice.received.filter((m) => m.type === 'OFFER')).toEqual([]);
    });

    it('answers EXPIRE for a peer that is not connected', async () => {
      const alice = await openReady('alice', room());
      alice.send(offer('nobody'));
      expect(await alice.nextOfType('EXPIRE')).toEqual({ type: 'EXPIRE', src: 'nobody', dst: 'alice' });
    });

    it('sends ID-TAKEN and closes a socket claiming an id another identity holds', async () => {
      const r = room();
      const owner = await openReady('dana', r, { sub: 'u-dana' });
      const thief = await open('dana', r, { sub: 'u-mallory' });
      expect(await thief.nextOfType('ID-TAKEN')).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
      await thief.closed();
      const bob = await openReady('bob', r);
      bob.send(offer('dana'));
      expect(await owner.nextOfType('OFFER')).toMatchObject({ src: 'bob' });
    });

    it('rebinds an id for the same identity: the new socket opens, the old one is closed', async () => {
      const r = room();
      const first = await openReady('erin', r, { sub: 'u-erin' });
      const second = await openReady('erin', r, { sub: 'u-erin' });
      await first.closed();
      const bob = await openReady('bob', r);
      bob.send(offer('erin'));
      expect(await second.nextOfType('OFFER')).toMatchObject({ src: 'bob' });
      // The old socket's $disconnect must not announce a departure: erin is still here.
      bob.send(offer('erin', { payload: { ...offer('erin').payload, connectionId: 'mc_marker' } }));
      await second.next((m) => (m.payload as { connectionId?: string })?.connectionId === 'mc_marker');
      expect(bob.received.filter((m) => m.type === 'LEAVE')).toEqual([]);
    });

    it('tells the rest of the room LEAVE when a peer disconnects', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const bob = await openReady('bob', r);
      const carol = await openReady('carol', r);
      alice.close();
      expect(await bob.nextOfType('LEAVE')).toEqual({ type: 'LEAVE', src: 'alice', dst: 'bob' });
      expect(await carol.nextOfType('LEAVE')).toEqual({ type: 'LEAVE', src: 'alice', dst: 'carol' });
      bob.send(offer('alice'));
      expect(await bob.nextOfType('EXPIRE')).toMatchObject({ src: 'alice' });
    });

    it('answers malformed JSON and unknown types with a PeerJS ERROR to the sender only', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const bob = await openReady('bob', r);
      alice.send('{"type":"OFFER","dst":"bob"');
      expect(await alice.nextOfType('ERROR')).toEqual({ type: 'ERROR', payload: { msg: 'Message is not valid JSON' } });
      alice.send({ type: 'HIJACK', dst: 'bob' });
      expect(
        await alice.next((m) => m.type === 'ERROR' && String((m.payload as { msg: string }).msg).includes('HIJACK')),
      ).toBeDefined();
      alice.send({ type: 'OFFER', dst: 'bob' });
      expect(
        await alice.next(
          (m) => m.type === 'ERROR' && String((m.payload as { msg: string }).msg).includes('payload is required'),
        ),
      ).toBeDefined();
      alice.send(candidate('bob', 9));
      await bob.nextOfType('CANDIDATE');
      expect(bob.received.map((m) => m.type)).toEqual(['OPEN', 'CANDIDATE']);
    });

    it('refuses oversize frames: over the 16 KiB cap with ERROR, a 200 KB one by closing the socket (1009)', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const bob = await openReady('bob', r);
      const big = offer('bob');
      big.payload.sdp.sdp = 'a'.repeat(MAX_SIGNAL_BYTES);
      alice.send(big);
      expect(String(((await alice.nextOfType('ERROR')).payload as { msg: string }).msg)).toMatch(
        /the limit is 16384 bytes/,
      );
      const huge = offer('bob');
      huge.payload.sdp.sdp = 'a'.repeat(200 * 1024);
      alice.send(huge);
      expect(await alice.closed()).toBe(1009);
      const carol = await openReady('carol', r);
      carol.send(candidate('bob', 3));
      await bob.nextOfType('CANDIDATE');
      expect(bob.received.filter((m) => m.type === 'OFFER')).toEqual([]);
    });

    it('stops a flood: the sender gets a rate-limit ERROR and is disconnected', async () => {
      const r = room();
      const alice = await openReady('alice', r);
      const bob = await openReady('bob', r);
      for (let i = 0; i < FLOOD_LIMIT + 10; i++) alice.send(candidate('bob', i));
      const error = await alice.nextOfType('ERROR', 15_000);
      expect(String((error.payload as { msg: string }).msg)).toMatch(/^Too many requests/);
      await alice.closed(15_000);
      const delivered = () => bob.received.filter((m) => m.type === 'CANDIDATE').length;
      expect(delivered()).toBeLessThanOrEqual(FLOOD_LIMIT);
      if (options.redisUrl) {
        // The counters really are in that Redis (under this run's random prefix), not in the in-process emulation.
        const prefix = process.env.REDIS_PREFIX!;
        const keys = await keysMatching({ ...options, redisUrl: options.redisUrl }, `${prefix}rl:{signal:*`);
        expect(keys.length).toBeGreaterThanOrEqual(1);
      }
      // Frames already inside the gateway still run after the close; let them finish before the cloud stops.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }, 30_000);
  });
}
