import type { AccountKind } from '../auth/tickets';
import { getRedis, type RedisClient } from '../shared/redis';
import { roomKeys } from '../shared/redis-keys';
import {
  LIMITS,
  chatMessageSchema,
  type ChatMessage,
  type LobbyEntry,
  type MediaState,
  type Participant,
  type RecordingNotice,
  type Role,
} from '../shared/protocol/room';

/** A participant as the server keeps it: what others see, plus who they are and which socket speaks for them. */
export interface LiveParticipant extends Participant {
  sub: string;
  connectionId: string;
}

export interface LobbyWaiter extends LobbyEntry {
  sub: string;
  connectionId: string;
  /** Carried into the member ticket an admit issues. */
  account: AccountKind;
}

/** A host whose connection dropped: who, and until when (epoch ms) they keep the role. */
export interface HostAway {
  sub: string;
  name: string;
  until: number;
}

/** The room's recording notice as kept: plus the recorder's identity, which only the server sees. */
export interface LiveRecording extends RecordingNotice {
  sub: string;
}

/** `handRaisedAt: 0` clears it (the hand went down). */
export type ParticipantPatch = Partial<MediaState> & { role?: Role; name?: string; handRaisedAt?: number };

/** The live side of a room (Redis): roster, latest chat, lobby queue. Gone when the meeting is. */
export interface LiveRoomState {
  /** Everyone in the room, longest-present first. */
  roster(roomId: string): Promise<LiveParticipant[]>;
  getParticipant(roomId: string, peerId: string): Promise<LiveParticipant | undefined>;
  putParticipant(roomId: string, participant: LiveParticipant): Promise<void>;
  /** Sets fields of a participant who is still present; false when they are gone (nothing is written). */
  updateParticipant(roomId: string, peerId: string, patch: ParticipantPatch): Promise<boolean>;
  /**
   * Removes a participant; with `connectionId`, only while that socket still speaks for them (a reconnect may have
   * moved the peer id to a newer socket, whose late-arriving predecessor must not remove it).
   */
  removeParticipant(roomId: string, peerId: string, connectionId?: string): Promise<LiveParticipant | undefined>;
  appendChat(roomId: string, message: ChatMessage): Promise<void>;
  /** The latest 50 messages, oldest first. */
  recentChat(roomId: string): Promise<ChatMessage[]>;
  putWaiter(roomId: string, waiter: LobbyWaiter): Promise<void>;
  getWaiter(roomId: string, peerId: string): Promise<LobbyWaiter | undefined>;
  /** Oldest knock first. */
  lobby(roomId: string): Promise<LobbyWaiter[]>;
  removeWaiter(roomId: string, peerId: string, connectionId?: string): Promise<LobbyWaiter | undefined>;
  clearRoom(roomId: string): Promise<void>;
  setHostAway(roomId: string, away: HostAway): Promise<void>;
  getHostAway(roomId: string): Promise<HostAway | undefined>;
  /** Ends the wait; true for exactly one caller when several race (so the role is handed over once). */
  takeHostAway(roomId: string): Promise<boolean>;
  setRecording(roomId: string, recording: LiveRecording): Promise<void>;
  getRecording(roomId: string): Promise<LiveRecording | undefined>;
  /** Clears the notice only while `peerId` is still the recorder; true for exactly the caller that cleared it. */
  clearRecording(roomId: string, peerId: string): Promise<boolean>;
}

// Meetings are at most a few hours (API Gateway closes sockets after 2 h); a day of idle life is plenty, and keys
// of rooms whose last $disconnect never arrived expire on their own.
export const LIVE_TTL_SECONDS = 24 * 60 * 60;

const CLEAR_RECORDING_IF_RECORDER = `
if redis.call('HGET', KEYS[1], 'peerId') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const FLAGS = ['mic', 'cam', 'screen', 'speaking', 'handRaised'] as const;

function toHash(p: LiveParticipant): Record<string, string> {
  return {
    peerId: p.peerId,
    sub: p.sub,
    connectionId: p.connectionId,
    name: p.name,
    role: p.role,
    verified: p.verified ? '1' : '0',
    avatarUrl: p.avatarUrl ?? '',
    joinedAt: String(p.joinedAt),
    handRaisedAt: String(p.handRaisedAt ?? 0),
    ...Object.fromEntries(FLAGS.map((f) => [f, p[f] ? '1' : '0'])),
  };
}

function fromHash(h: Record<string, string>): LiveParticipant | undefined {
  if (!h.peerId || !h.sub || !h.connectionId) return undefined;
  return {
    peerId: h.peerId,
    sub: h.sub,
    connectionId: h.connectionId,
    name: h.name ?? '',
    role: (h.role as Role) ?? 'member',
    verified: h.verified === '1',
    ...(h.avatarUrl ? { avatarUrl: h.avatarUrl } : {}),
    joinedAt: Number(h.joinedAt ?? 0),
    mic: h.mic === '1',
    cam: h.cam === '1',
    screen: h.screen === '1',
    speaking: h.speaking === '1',
    handRaised: h.handRaised === '1',
    ...(Number(h.handRaisedAt) > 0 ? { handRaisedAt: Number(h.handRaisedAt) } : {}),
  };
}

function patchToHash(patch: ParticipantPatch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return out;
}

/**
 * One hash per participant (so setting one flag is a single atomic HSET, never a read-modify-write that could undo
 * a concurrent "mute everyone"), a sorted set of peer ids scored by join time, a capped list for chat and a hash
 * for the lobby.
 */
export class RedisLiveRoomState implements LiveRoomState {
  constructor(private readonly redis: () => RedisClient = getRedis) {}

  async roster(roomId: string): Promise<LiveParticipant[]> {
    const k = roomKeys(roomId);
    const ids = await this.redis().zrange(k.peers, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis().pipeline();
    for (const id of ids) pipeline.hgetall(k.peer(id));
    const results = (await pipeline.exec()) ?? [];
    const roster: LiveParticipant[] = [];
    for (const [err, hash] of results) {
      if (err) throw err;
      const p = fromHash(hash as Record<string, string>);
      if (p) roster.push(p);
    }
    return roster.sort((a, b) => a.joinedAt - b.joinedAt || a.peerId.localeCompare(b.peerId));
  }

  async getParticipant(roomId: string, peerId: string): Promise<LiveParticipant | undefined> {
    return fromHash(await this.redis().hgetall(roomKeys(roomId).peer(peerId)));
  }

  async putParticipant(roomId: string, p: LiveParticipant): Promise<void> {
    const k = roomKeys(roomId);
    await this.redis()
      .multi()
      .hset(k.peer(p.peerId), toHash(p))
      .expire(k.peer(p.peerId), LIVE_TTL_SECONDS)
      .zadd(k.peers, p.joinedAt, p.peerId)
      .expire(k.peers, LIVE_TTL_SECONDS)
      .exec();
  }

  async updateParticipant(roomId: string, peerId: string, patch: ParticipantPatch): Promise<boolean> {
    const fields = patchToHash(patch);
    const key = roomKeys(roomId).peer(peerId);
    if (Object.keys(fields).length === 0) return (await this.redis().exists(key)) === 1;
    // HSET on a missing key would resurrect a half participant; check first (a leave racing this is harmless: the
    // roster is read through the sorted set, which no longer lists the peer).
    if ((await this.redis().exists(key)) !== 1) return false;
    await this.redis().hset(key, fields);
    return true;
  }

  async removeParticipant(roomId: string, peerId: string, connectionId?: string) {
    const k = roomKeys(roomId);
    const current = await this.getParticipant(roomId, peerId);
    if (!current) return undefined;
    if (connectionId && current.connectionId !== connectionId) return undefined;
    await this.redis().multi().zrem(k.peers, peerId).del(k.peer(peerId)).exec();
    return current;
  }

  async appendChat(roomId: string, message: ChatMessage): Promise<void> {
    const k = roomKeys(roomId);
    await this.redis()
      .multi()
      .rpush(k.chat, JSON.stringify(message))
      .ltrim(k.chat, -LIMITS.chatHistory, -1)
      .expire(k.chat, LIVE_TTL_SECONDS)
      .exec();
  }

  async recentChat(roomId: string): Promise<ChatMessage[]> {
    const raw = await this.redis().lrange(roomKeys(roomId).chat, -LIMITS.chatHistory, -1);
    return raw.map((r) => chatMessageSchema.parse(JSON.parse(r)));
  }

  async putWaiter(roomId: string, waiter: LobbyWaiter): Promise<void> {
    const k = roomKeys(roomId);
    await this.redis()
      .multi()
      .hset(k.lobby, waiter.peerId, JSON.stringify(waiter))
      .expire(k.lobby, LIVE_TTL_SECONDS)
      .exec();
  }

  async getWaiter(roomId: string, peerId: string): Promise<LobbyWaiter | undefined> {
    const raw = await this.redis().hget(roomKeys(roomId).lobby, peerId);
    return raw ? (JSON.parse(raw) as LobbyWaiter) : undefined;
  }

  async lobby(roomId: string): Promise<LobbyWaiter[]> {
    const all = await this.redis().hvals(roomKeys(roomId).lobby);
    return all.map((r) => JSON.parse(r) as LobbyWaiter).sort((a, b) => a.knockedAt - b.knockedAt);
  }

  async removeWaiter(roomId: string, peerId: string, connectionId?: string) {
    const current = await this.getWaiter(roomId, peerId);
    if (!current) return undefined;
    if (connectionId && current.connectionId !== connectionId) return undefined;
    await this.redis().hdel(roomKeys(roomId).lobby, peerId);
    return current;
  }

  async setHostAway(roomId: string, away: HostAway): Promise<void> {
    await this.redis().set(roomKeys(roomId).hostAway, JSON.stringify(away), 'EX', LIVE_TTL_SECONDS);
  }

  async getHostAway(roomId: string): Promise<HostAway | undefined> {
    const raw = await this.redis().get(roomKeys(roomId).hostAway);
    return raw ? (JSON.parse(raw) as HostAway) : undefined;
  }

  async takeHostAway(roomId: string): Promise<boolean> {
    return (await this.redis().del(roomKeys(roomId).hostAway)) === 1;
  }

  async setRecording(roomId: string, r: LiveRecording): Promise<void> {
    const key = roomKeys(roomId).recording;
    // One hash, replaced whole: a new recorder's notice never mixes with the previous one's fields.
    await this.redis()
      .multi()
      .del(key)
      .hset(key, { by: r.by, peerId: r.peerId, since: String(r.since), sub: r.sub })
      .expire(key, LIVE_TTL_SECONDS)
      .exec();
  }

  async getRecording(roomId: string): Promise<LiveRecording | undefined> {
    const h = await this.redis().hgetall(roomKeys(roomId).recording);
    if (!h.peerId || !h.sub) return undefined;
    return { by: h.by ?? '', peerId: h.peerId, since: Number(h.since ?? 0), sub: h.sub };
  }

  async clearRecording(roomId: string, peerId: string): Promise<boolean> {
    // Compare and delete in one step: a newer recorder's notice must not be cleared by the old one's departure.
    const cleared = await this.redis().eval(CLEAR_RECORDING_IF_RECORDER, 1, roomKeys(roomId).recording, peerId);
    return Number(cleared) === 1;
  }

  async clearRoom(roomId: string): Promise<void> {
    const k = roomKeys(roomId);
    const ids = await this.redis().zrange(k.peers, 0, -1);
    await this.redis()
      .del(
        k.peers,
        k.chat,
        k.lobby,
        k.hostAway,
        k.poll,
        k.pollVotes,
        k.recording,
        k.breakout,
        k.breakoutPlaces,
        k.breakoutHelp,
        ...ids.map((id) => k.peer(id)),
      )
      .then(() => undefined);
  }
}
