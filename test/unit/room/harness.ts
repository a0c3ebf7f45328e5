import { randomBytes } from 'node:crypto';
import { setRedisForTesting } from '../../../functions/shared/redis';
import { rateLimit, type Limit } from '../../../functions/shared/rate-limit';
import type {
  ClientMessage,
  ServerMessage,
  ServerMessageOf,
  TicketRole,
} from '../../../functions/shared/protocol/room';
import { serverMessageSchema } from '../../../functions/shared/protocol/room';
import type { AccountKind, RoomTicketClaims } from '../../../functions/auth/tickets';
import type { ConnectionRecord } from '../../../functions/signaling/connection-registry';
import { RedisLiveRoomState } from '../../../functions/room/live-state';
import { RedisMembership } from '../../../functions/shared/membership';
import { receiveRoomMessage } from '../../../functions/room/receive';
import type { RoomDeps, SocketIdentity } from '../../../functions/room/room-context';
import { newPeerId, newRoomId } from '../../../functions/room/ids';
import { MemoryRoomStore } from './memory-room-store';
import { MemoryPollStore } from './memory-poll-store';
import { RedisPollLiveState } from '../../../functions/room/polls/poll-live';
import { RedisBreakoutLiveState } from '../../../functions/room/breakouts/breakout-live';
import { createRedisEmulation } from '../../../functions/shared/redis-emulation';
import { RedisWhiteboardLive } from '../../../functions/room/whiteboard/board-live';
import { MemoryWhiteboardStore } from './memory-whiteboard-store';

export type Sock = SocketIdentity;

/**
 * The room domain wired to: the in-process Redis emulation (as strict as Valkey about hash slots) for live state and rate limits (random key prefix), an in-memory room
 * store, a recording notifier (every message is validated against the shared schema, as in production) and an
 * in-memory connection registry.
 */
export function createHarness(
  options: {
    chat?: Limit;
    roomMessage?: Limit;
    pollVote?: Limit;
    reaction?: Limit;
    breakout?: Limit;
    whiteboard?: Limit;
    whiteboardMessage?: Limit;
  } = {},
) {
  const redis = createRedisEmulation({ keyPrefix: `test-${randomBytes(6).toString('hex')}:` });
  setRedisForTesting(redis);
  const store = new MemoryRoomStore();
  const polls = new MemoryPollStore();
  const whiteboards = new MemoryWhiteboardStore();
  const inboxes = new Map<string, ServerMessage[]>();
  const closed = new Set<string>();
  const registry = new Map<string, ConnectionRecord>();
  const tickets: RoomTicketClaims[] = [];
  let clock = 1_764_000_000_000;

  const membership = new RedisMembership(() => redis);
  // Admissions made by socket() (as the join route makes one with every member ticket), awaited before a send.
  const admissions: Promise<void>[] = [];
  const deps: RoomDeps = {
    store,
    live: new RedisLiveRoomState(() => redis),
    pollLive: new RedisPollLiveState(() => redis),
    pollStore: polls,
    breakouts: new RedisBreakoutLiveState(() => redis),
    whiteboardLive: new RedisWhiteboardLive(() => redis),
    whiteboardStore: whiteboards,
    membership,
    notifier: {
      async send(connectionId, message) {
        if (closed.has(connectionId)) return false;
        const list = inboxes.get(connectionId) ?? [];
        list.push(serverMessageSchema.parse(message));
        inboxes.set(connectionId, list);
        return true;
      },
      async close(connectionId) {
        closed.add(connectionId);
        registry.delete(connectionId);
      },
    },
    connections: {
      async listRoom(roomId, kind) {
        return [...registry.values()].filter((c) => c.roomId === roomId && (!kind || c.kind === kind));
      },
    },
    async issueTicket(claims) {
      tickets.push(claims);
      return `ticket-for-${claims.peerId}-${claims.role}`;
    },
    rateLimit,
    limits: {
      chat: options.chat ?? { max: 20, windowSeconds: 60 },
      roomMessage: options.roomMessage ?? { max: 1000, windowSeconds: 60 },
      pollVote: options.pollVote ?? { max: 100, windowSeconds: 60 },
      reaction: options.reaction ?? { max: 100, windowSeconds: 60 },
      breakout: options.breakout ?? { max: 100, windowSeconds: 60 },
      whiteboard: options.whiteboard ?? { max: 1000, windowSeconds: 60 },
      whiteboardMessage: options.whiteboardMessage ?? { max: 1000, windowSeconds: 60 },
    },
    now: () => (clock += 1000),
  };

  let counter = 0;
  const h = {
    deps,
    store,
    polls,
    whiteboards,
    redis,
    closed,
    registry,
    tickets,
    async createRoom(opts: { lobby?: boolean; password?: string | null; max?: number; hostSub?: string } = {}) {
      const id = newRoomId();
      await store.createRoom(
        {
          id,
          name: 'Standup',
          passwordHash: opts.password ?? null,
          lobby: opts.lobby ?? false,
          maxParticipants: opts.max ?? 8,
        },
        { sub: opts.hostSub ?? 'sub-host', name: 'Hosta' },
      );
      return id;
    },
    /**
     * A room socket as the authorizer would describe it, registered like WsConnect does (plus a PeerJS socket). A
     * member ticket comes with its membership, as from the join route (`admit: false`: a ticket whose membership
     * has since ended).
     */
    socket(
      roomId: string,
      sub: string,
      opts: { name?: string; role?: TicketRole; peerId?: string; admit?: boolean; account?: AccountKind } = {},
    ): Sock {
      counter += 1;
      const who: Sock = {
        connectionId: `conn-${counter}-${randomBytes(3).toString('hex')}`,
        sub,
        name: opts.name ?? sub,
        roomId,
        peerId: opts.peerId ?? newPeerId(),
        role: opts.role ?? 'member',
        account: opts.account ?? 'guest',
      };
      registry.set(who.connectionId, { ...who, kind: 'room', connectedAt: clock });
      const peerConn = `peer-${who.connectionId}`;
      registry.set(peerConn, { ...who, connectionId: peerConn, kind: 'peer', connectedAt: clock });
      if (who.role !== 'lobby' && opts.admit !== false) admissions.push(membership.admit(roomId, sub, who.peerId));
      return who;
    },
    peerSocketOf: (who: Sock) => `peer-${who.connectionId}`,
    /** Anything JSON: valid messages are typed by the caller, attacks need not be. */
    async send(who: Sock, message: ClientMessage | object) {
      await Promise.all(admissions.splice(0));
      await receiveRoomMessage(deps, who, JSON.stringify(message));
    },
    async sendRaw(who: Sock, raw: string) {
      await Promise.all(admissions.splice(0));
      await receiveRoomMessage(deps, who, raw);
    },
    /** A member (host too) that has joined: member row + socket + join. */
    async joined(roomId: string, sub: string, opts: { name?: string; mic?: boolean } = {}) {
      await store.addMember(roomId, { sub, name: opts.name ?? sub }, 'member');
      const who = h.socket(roomId, sub, { name: opts.name, role: (await store.getRole(roomId, sub)) ?? 'member' });
      await h.send(who, { type: 'join', state: { mic: opts.mic ?? true, cam: true } });
      return who;
    },
    inbox: (who: Sock | string) => inboxes.get(typeof who === 'string' ? who : who.connectionId) ?? [],
    of<T extends ServerMessage['type']>(who: Sock, type: T): ServerMessageOf<T>[] {
      return h.inbox(who).filter((m): m is ServerMessageOf<T> => m.type === type);
    },
    last<T extends ServerMessage['type']>(who: Sock, type: T): ServerMessageOf<T> | undefined {
      return h.of(who, type).at(-1);
    },
    clear() {
      inboxes.clear();
    },
    /** Moves the room's clock forward (grace periods, rate windows). */
    advance(ms: number) {
      clock += ms;
    },
    async roster(roomId: string) {
      return deps.live.roster(roomId);
    },
    async restore() {
      setRedisForTesting(undefined);
      await redis.flushall();
      redis.disconnect();
    },
  };
  return h;
}

export type Harness = ReturnType<typeof createHarness>;
