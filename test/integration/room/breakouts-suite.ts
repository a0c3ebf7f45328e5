import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';
import { getRedis, setRedisForTesting } from '../../../functions/shared/redis';
import { credentialSocket } from '../../support/credential-socket';
import { removeKeysUnder, type RedisTarget } from '../../support/redis-cluster';
import { RoomSocket } from './gateway-suite';

/** A raw PeerJS socket on the join ticket, as peerjs@1.5.5 opens it; every frame kept. */
class RawPeer {
  readonly received: Record<string, unknown>[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(JSON.parse(data.toString()) as Record<string, unknown>));
  }
  static async open(cloud: LocalCloud, peerId: string, ticket: string): Promise<RawPeer> {
    const url = `ws://127.0.0.1:${cloud.port}/peerjs?key=peerjs&id=${peerId}&version=1.5.5`;
    const peer = new RawPeer(credentialSocket(url, ticket, { origin: cloud.url }));
    await new Promise<void>((resolve, reject) => {
      peer.ws.once('open', () => resolve());
      peer.ws.once('error', reject);
    });
    await peer.next((m) => m.type === 'OPEN');
    return peer;
  }
  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }
  async next(match: (m: Record<string, unknown>) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.received)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const offer = (dst: string) => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'media', connectionId: `mc_${randomBytes(4).toString('hex')}` },
});

/**
 * Breakout rooms through the local gateway: the RoomSocket Lambda's Lua scripts and the SignalRelay's placement
 * check against the same Redis (in-process emulation, or a real Redis Cluster where a cross-slot script fails).
 */
export function describeBreakoutsThroughGateway(title: string, options: Partial<RedisTarget>) {
  describe(title, () => {
    jest.setTimeout(60_000);
    let real: RealCloud;
    let cloud: LocalCloud;
    const closers: (() => void)[] = [];
    const env = { ...process.env };

    beforeAll(async () => {
      if (options.redisUrl) process.env.REDIS_PREFIX = `test-bo-${randomBytes(5).toString('hex')}:`;
      real = await startRealCloud('breakouts', {
        redisUrl: options.redisUrl,
        redisCluster: options.redisCluster ?? false,
      });
      cloud = real.cloud;
    }, 90_000);

    afterAll(async () => {
      for (const close of closers) close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await real?.stop();
      getRedis().disconnect();
      setRedisForTesting(undefined);
      if (options.redisUrl && process.env.REDIS_PREFIX) {
        await removeKeysUnder({ ...options, redisUrl: options.redisUrl }, process.env.REDIS_PREFIX);
      }
      process.env = env;
    }, 60_000);

    async function api(method: string, path: string, token?: string, body?: unknown) {
      const res = await fetch(`${cloud.url}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          Origin: cloud.url,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }

    async function person(name: string, roomId?: string) {
      const token = (await api('POST', '/api/sessions/guest', undefined, { name })).body.accessToken as string;
      const id = roomId ?? ((await api('POST', '/api/rooms', token, { name: 'Workshop' })).body.roomId as string);
      const joined = await api('POST', `/api/rooms/${id}/join`, token, {});
      const room = await RoomSocket.open(cloud, joined.body.ticket);
      closers.push(() => room.close());
      room.send({ type: 'join', state: { mic: true, cam: true } });
      await room.next('welcome');
      const peer = await RawPeer.open(cloud, joined.body.peerId, joined.body.ticket);
      closers.push(() => peer.ws.close());
      return { roomId: id, peerId: joined.body.peerId as string, room, peer };
    }

    it('splits the room, relays media only within each breakout room, and joins everyone again on close', async () => {
      const host = await person('Hosta');
      const members: (typeof host)[] = [];
      for (const name of ['Ann', 'Bob', 'Cat', 'Dan']) members.push(await person(name, host.roomId));
      const [a, b, c, d] = members as [typeof host, typeof host, typeof host, typeof host];

      host.room.send({ type: 'breakout.open', rooms: ['Red', 'Blue'], mode: 'auto' });
      const opened = await a.room.next('breakout.moved');
      expect(opened.room).toEqual({ id: 'b1', name: 'Red' });
      expect((await b.room.next('breakout.moved')).room).toEqual({ id: 'b2', name: 'Blue' });
      // Each roster is the person's own room: Ann with Cat, Bob with Dan.
      const lastRoster = (s: RoomSocket) =>
        s.received.filter((m) => m.type === 'roster.update').at(-1) as { roster: { peerId: string }[] } | undefined;
      const rosterOf = async (s: RoomSocket, size: number) => {
        for (let i = 0; i < 100 && lastRoster(s)?.roster.length !== size; i++)
          await new Promise((r) => setTimeout(r, 50));
        return lastRoster(s)!
          .roster.map((p) => p.peerId)
          .sort();
      };
      expect(await rosterOf(a.room, 2)).toEqual([a.peerId, c.peerId].sort());
      expect(await rosterOf(b.room, 2)).toEqual([b.peerId, d.peerId].sort());

      // Ann → Bob crosses rooms: EXPIRE, nothing delivered. Ann → Cat is within Red: delivered.
      a.peer.send(offer(b.peerId));
      expect(await a.peer.next((m) => m.type === 'EXPIRE')).toEqual({ type: 'EXPIRE', src: b.peerId, dst: a.peerId });
      a.peer.send(offer(c.peerId));
      expect(await c.peer.next((m) => m.type === 'OFFER')).toMatchObject({ src: a.peerId });
      expect(b.peer.received.filter((m) => m.type === 'OFFER')).toEqual([]);

      // A broadcast reaches both rooms.
      host.room.send({ type: 'breakout.broadcast', text: 'Two minutes' });
      for (const s of [a, b, c, d]) expect((await s.room.next('breakout.broadcast')).text).toBe('Two minutes');

      // Close: one mesh again, Ann reaches Bob.
      const state = (await host.room.next('breakout.state')).breakouts!;
      host.room.send({ type: 'breakout.close', breakoutId: state.id });
      expect((await a.room.next('breakout.moved', 2)).room).toBeNull();
      expect(await rosterOf(a.room, 5)).toHaveLength(5);
      a.peer.send(offer(b.peerId));
      expect(await b.peer.next((m) => m.type === 'OFFER')).toMatchObject({ src: a.peerId });
    });
  });
}
