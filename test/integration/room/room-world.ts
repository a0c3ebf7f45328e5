import { RedisWhiteboardLive } from '../../../functions/room/whiteboard/board-live';
import { SqlWhiteboardStore } from '../../../functions/room/whiteboard/board-store';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createRouter } from '../../../functions/api/router';
import { generateAuthKeySecret, importAuthKeySecret } from '../../../functions/auth/keys';
import { createTokenService, type TokenService } from '../../../functions/auth/tickets';
import { rateLimit, takeAttempt } from '../../../functions/shared/rate-limit';
import { setRedisForTesting } from '../../../functions/shared/redis';
import { serverMessageSchema, type ServerMessage, type ServerMessageOf } from '../../../functions/shared/protocol/room';
import type { ConnectionRecord } from '../../../functions/signaling/connection-registry';
import { RedisMembership } from '../../../functions/shared/membership';
import { RedisLiveRoomState } from '../../../functions/room/live-state';
import type { RoomDeps } from '../../../functions/room/room-context';
import { SqlRoomStore } from '../../../functions/room/room-store';
import { RedisBreakoutLiveState } from '../../../functions/room/breakouts/breakout-live';
import { RedisPollLiveState } from '../../../functions/room/polls/poll-live';
import { SqlPollStore } from '../../../functions/room/polls/poll-store';
import { createRoomRoutes } from '../../../functions/room/routes';
import { createRoomSocketHandler } from '../../../functions/room/socket';
import { migrationStatements, startIdentityDb, type BackendKind, type IdentityDb } from '../auth/identity-db';
import { httpEvent, randomIp } from '../auth/http-events';
import { createRedisEmulation } from '../../../functions/shared/redis-emulation';

export type RedisKind = 'in-process' | 'redis';

/** In-process emulation always; the real Redis on 127.0.0.1:6379 when it answers (jest needs this synchronously). */
export function availableRedis(): RedisKind[] {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').connect(6379,'127.0.0.1');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),500)",
    ],
    { timeout: 3000 },
  );
  return probe.status === 0 ? ['in-process', 'redis'] : ['in-process'];
}

export async function startRoomDb(kind: BackendKind): Promise<IdentityDb> {
  const db = await startIdentityDb(kind);
  for (const file of [
    '0002_rooms.sql',
    '0005_polls.sql',
    '0007_whiteboards.sql',
    '0010_breakout_whiteboards.sql',
    '0011_whiteboard_parts.sql',
  ]) {
    const migration = join(__dirname, '../../../functions/migrate/migrations', file);
    for (const statement of migrationStatements(migration)) await db.sql.execute(statement);
  }
  return db;
}

export function connectRedis(kind: RedisKind): Redis {
  const keyPrefix = `test-room-${randomBytes(6).toString('hex')}:`;
  if (kind === 'redis') return new Redis('redis://127.0.0.1:6379', { keyPrefix, maxRetriesPerRequest: 2 });
  return createRedisEmulation({ keyPrefix });
}

/** Real Redis outlives the test: delete what this test wrote (its random prefix), nothing else. */
export async function removeTestKeys(redis: Redis): Promise<void> {
  const prefix = redis.options.keyPrefix;
  if (!prefix) return;
  const plain = new Redis({ host: redis.options.host, port: redis.options.port });
  try {
    for await (const batch of plain.scanStream({ match: `${prefix}*`, count: 500 })) {
      const keys = batch as string[];
      if (keys.length > 0) await plain.unlink(...keys);
    }
  } finally {
    plain.disconnect();
  }
}

/**
 * Rooms wired as in production, except the transport: real Data API adapter → emulator → PGlite/PostgreSQL, real
 * Redis (or the emulation), real ES256 tokens, the real HTTP router and socket handler. Sockets are recorded in
 * memory (the gateway test covers the wire).
 */
export async function createRoomWorld(db: IdentityDb, redisKind: RedisKind) {
  const redis = connectRedis(redisKind);
  setRedisForTesting(redis);
  const keys = await importAuthKeySecret(await generateAuthKeySecret());
  const tokens: TokenService = createTokenService({ keys: async () => keys, issuer: () => 'https://meet.test' });
  const store = new SqlRoomStore(() => db.sql);
  const live = new RedisLiveRoomState(() => redis);
  const membership = new RedisMembership(() => redis);
  const inboxes = new Map<string, ServerMessage[]>();
  const closed = new Set<string>();
  const registry = new Map<string, ConnectionRecord>();

  const deps: RoomDeps = {
    store,
    live,
    pollLive: new RedisPollLiveState(() => redis),
    pollStore: new SqlPollStore(() => db.sql),
    breakouts: new RedisBreakoutLiveState(() => redis),
    whiteboardLive: new RedisWhiteboardLive(() => redis),
    whiteboardStore: new SqlWhiteboardStore(() => db.sql),
    membership,
    notifier: {
      async send(connectionId, message) {
        if (closed.has(connectionId)) return false;
        inboxes.set(connectionId, [...(inboxes.get(connectionId) ?? []), serverMessageSchema.parse(message)]);
        return true;
      },
      async close(connectionId) {
        closed.add(connectionId);
        registry.delete(connectionId);
      },
    },
    connections: {
      listRoom: async (roomId, kind) =>
        [...registry.values()].filter((c) => c.roomId === roomId && (!kind || c.kind === kind)),
    },
    issueTicket: (claims) => tokens.issueRoomTicket(claims),
    rateLimit,
    limits: {
      chat: { max: 20, windowSeconds: 60 },
      roomMessage: { max: 200, windowSeconds: 60 },
      pollVote: { max: 20, windowSeconds: 60 },
      reaction: { max: 20, windowSeconds: 60 },
      breakout: { max: 50, windowSeconds: 60 },
      whiteboard: { max: 200, windowSeconds: 10 },
      whiteboardMessage: { max: 400, windowSeconds: 10 },
    },
    now: Date.now,
  };
  const route = createRouter(
    createRoomRoutes(() => ({
      store,
      live,
      membership,
      verifyAccessToken: (t) => tokens.verifyAccessToken(t),
      issueTicket: (c) => tokens.issueRoomTicket(c),
      rateLimit,
      takeAttempt,
      limits: {
        roomCreate: { max: 50, windowSeconds: 3600 },
        roomJoin: { max: 50, windowSeconds: 60 },
        roomPasswordFailures: { max: 20, windowSeconds: 900 },
      },
      publicUrl: () => 'https://meet.test',
      maxParticipants: () => 8,
      iceServers: async () => [{ urls: 'stun:127.0.0.1:3478' }],
    })),
  );
  const socketHandler = createRoomSocketHandler(() => deps);

  let n = 0;
  const world = {
    db,
    store,
    live,
    closed,
    tokens,
    /** An access token as sign-in issues it; `name` is taken as given (tokens minted before today's name rules). */
    async user(name: string, kind: 'guest' | 'google' = 'guest') {
      const sub = `sub-${randomBytes(6).toString('hex')}`;
      return { sub, name, token: await tokens.issueAccessToken({ sub, name, kind }) };
    },
    async http(method: string, path: string, token?: string, body?: unknown) {
      const res = await route(
        httpEvent(method, path, { body, ip: randomIp(), headers: token ? { authorization: `Bearer ${token}` } : {} }),
      );
      return { status: res.statusCode!, body: res.body ? JSON.parse(res.body) : undefined };
    },
    /** Opens a room socket the way the $connect authorizer does: identity only from the verified ticket. */
    async connect(ticket: string) {
      const claims = await tokens.verifyRoomTicket(ticket);
      n += 1;
      const connectionId = `conn-${n}-${randomBytes(3).toString('hex')}`;
      const authorizer = { ...claims, kind: 'room' as const };
      registry.set(connectionId, { ...claims, connectionId, kind: 'room', connectedAt: Date.now() });
      const socket = {
        connectionId,
        claims,
        send: (message: unknown) =>
          socketHandler({
            requestContext: { connectionId, routeKey: '$default', authorizer },
            body: JSON.stringify(message),
          }),
        inbox: () => inboxes.get(connectionId) ?? [],
        of<T extends ServerMessage['type']>(type: T) {
          return socket.inbox().filter((m): m is ServerMessageOf<T> => m.type === type);
        },
        last<T extends ServerMessage['type']>(type: T) {
          return socket.of(type).at(-1);
        },
        get closed() {
          return closed.has(connectionId);
        },
      };
      return socket;
    },
    async dispose() {
      setRedisForTesting(undefined);
      if (redisKind === 'redis') await removeTestKeys(redis);
      redis.disconnect();
    },
  };
  return world;
}
export type RoomWorld = Awaited<ReturnType<typeof createRoomWorld>>;
