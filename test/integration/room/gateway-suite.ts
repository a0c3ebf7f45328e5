import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import { credentialSocket } from '../../support/credential-socket';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';
import type { ServerMessage, ServerMessageOf } from '../../../functions/shared/protocol/room';
import { removeKeysUnder, type RedisTarget } from '../../support/redis-cluster';
import { getRedis, setRedisForTesting } from '../../../functions/shared/redis';

/** A browser-like room socket: Origin header, ticket in the query, every frame parsed and kept. */
export class RoomSocket {
  readonly received: ServerMessage[] = [];
  closeCode?: number;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async open(cloud: LocalCloud, ticket: string): Promise<RoomSocket> {
    const ws = credentialSocket(`ws://127.0.0.1:${cloud.port}/peerjs`, ticket, { origin: cloud.url });
    const socket = new RoomSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return socket;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The n-th (default first) message of a type, waiting for it if it has not arrived. */
  async next<T extends ServerMessage['type']>(type: T, nth = 1, timeoutMs = 8000): Promise<ServerMessageOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.filter((m): m is ServerMessageOf<T> => m.type === type)[nth - 1];
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${type} #${nth} within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`);
      await this.waitForEvent(deadline);
    }
  }

  async closed(timeoutMs = 8000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('socket still open');
      await this.waitForEvent(deadline);
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }

  private waitForEvent(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, Math.min(200, deadline - Date.now())));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

const HOSTILE = `<img src=x onerror=alert(1)> '); DROP TABLE rooms;--`;

/**
 * The whole product path for rooms: HTTP API Lambda behind the local gateway (guest sign-in, create, join), the
 * $connect authorizer, the RoomSocket Lambda on $default, @connections posts and closes, WsDisconnect calling the
 * room lifecycle; PostgreSQL (a random database on this machine) behind the Data API emulator.
 */
export function describeRoomsThroughGateway(title: string, options: Partial<RedisTarget>) {
  describe(title, () => {
    jest.setTimeout(30_000);
    let real: RealCloud;
    let cloud: LocalCloud;
    const sockets: RoomSocket[] = [];
    const env = { ...process.env };

    beforeAll(async () => {
      if (options.redisUrl) process.env.REDIS_PREFIX = `test-room-${randomBytes(5).toString('hex')}:`;
      real = await startRealCloud('rooms', {
        redisUrl: options.redisUrl,
        redisCluster: options.redisCluster ?? false,
      });
      cloud = real.cloud;
    }, 90_000);

    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(sockets.map((s) => s.closed().catch(() => undefined)));
      await new Promise((resolve) => setTimeout(resolve, 500)); // let $disconnect handlers finish
      await real?.stop();
      // The handlers ran in this process and opened the process-wide Redis client; the local cloud does not own
      // it, so a real Redis connection would keep jest alive after the tests.
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

    async function guest(name: string): Promise<string> {
      const res = await api('POST', '/api/sessions/guest', undefined, { name });
      expect(res.status).toBe(201);
      return res.body.accessToken as string;
    }

    async function socket(ticket: string) {
      const s = await RoomSocket.open(cloud, ticket);
      sockets.push(s);
      return s;
    }

    it('runs a meeting: password, lobby, chat history, remove, disconnect, end for all', async () => {
      const [hostToken, bobToken, carolToken] = await Promise.all([guest('Hosta'), guest('Bob'), guest('Carol')]);
      const created = await api('POST', '/api/rooms', hostToken, { name: 'Standup', password: 'pw-1234', lobby: true });
      expect(created.status).toBe(201);
      const roomId = created.body.roomId as string;
      expect(created.body.url).toBe(`${cloud.url}/r/${roomId}`);
      expect((await api('GET', `/api/rooms/${roomId}`)).body).toMatchObject({ needsPassword: true, lobby: true });

      const hostJoin = await api('POST', `/api/rooms/${roomId}/join`, hostToken, {});
      expect(hostJoin.body).toMatchObject({ status: 'joined', role: 'host' });
      const host = await socket(hostJoin.body.ticket);
      host.send({ type: 'join', state: { mic: true, cam: true } });
      expect((await host.next('welcome')).self).toMatchObject({ name: 'Hosta', role: 'host' });

      // Bob: wrong password, then the lobby, then admitted with a fresh ticket.
      expect((await api('POST', `/api/rooms/${roomId}/join`, bobToken, { password: 'nope' })).status).toBe(403);
      const bobLobby = await api('POST', `/api/rooms/${roomId}/join`, bobToken, { password: 'pw-1234' });
      expect(bobLobby.body).toMatchObject({ status: 'lobby', role: 'lobby' });
      const bobWaiting = await socket(bobLobby.body.ticket);
      bobWaiting.send({ type: 'chat.send', text: 'sneaking in' });
      expect((await bobWaiting.next('error')).code).toBe('not_allowed');
      bobWaiting.send({ type: 'knock' });
      await bobWaiting.next('lobby.waiting');
      expect((await host.next('lobby.knock')).entry).toMatchObject({ name: 'Bob', peerId: bobLobby.body.peerId });
      host.send({ type: 'lobby.admit', peerId: bobLobby.body.peerId });
      const admitted = await bobWaiting.next('lobby.admitted');
      bobWaiting.close();
      const bob = await socket(admitted.ticket);
      bob.send({ type: 'join' });
      expect((await bob.next('welcome')).self).toMatchObject({ peerId: bobLobby.body.peerId, role: 'member' });
      expect((await host.next('peer.joined')).participant.name).toBe('Bob');

      // Malformed and hostile input over the wire.
      bob.send('{"type":');
      expect((await bob.next('error')).code).toBe('invalid_message');
      bob.send({ type: 'chat.send', text: HOSTILE, ref: 'c1' });
      expect((await host.next('chat.message')).message).toMatchObject({ text: HOSTILE, name: 'Bob' });

      // Carol joins late (admitted), sees the chat, then is removed and cannot come back.
      const carolLobby = await api('POST', `/api/rooms/${roomId}/join`, carolToken, { password: 'pw-1234' });
      const carolWaiting = await socket(carolLobby.body.ticket);
      carolWaiting.send({ type: 'knock' });
      await host.next('lobby.knock', 2);
      host.send({ type: 'lobby.admit', peerId: carolLobby.body.peerId });
      const carol = await socket((await carolWaiting.next('lobby.admitted')).ticket);
      carol.send({ type: 'join' });
      expect((await carol.next('welcome')).chat.map((m) => m.text)).toEqual([HOSTILE]);

      bob.send({ type: 'host.remove', peerId: carolLobby.body.peerId });
      expect((await bob.next('error', 2)).code).toBe('not_allowed');
      host.send({ type: 'host.remove', peerId: carolLobby.body.peerId, reason: 'testing' });
      expect(await carol.next('host.removed')).toEqual({ type: 'host.removed', by: 'Hosta', reason: 'testing' });
      expect(await carol.closed()).toBeGreaterThan(0);
      const rejoin = await api('POST', `/api/rooms/${roomId}/join`, carolToken, { password: 'pw-1234' });
      expect([rejoin.status, rejoin.body.error.code]).toEqual([403, 'removed']);

      // Bob's socket drops: WsDisconnect → room lifecycle → the host hears it.
      bob.close();
      expect(await host.next('peer.left', 2)).toEqual({
        type: 'peer.left',
        peerId: bobLobby.body.peerId,
        reason: 'disconnected',
      });

      host.send({ type: 'host.end' });
      expect(await host.next('room.ended')).toEqual({ type: 'room.ended', by: 'Hosta' });
      await host.closed();
      expect((await api('GET', `/api/rooms/${roomId}`)).body.ended).toBe(true);
      expect((await api('POST', `/api/rooms/${roomId}/join`, hostToken, {})).status).toBe(410);
    });
  });
}
