import { getRedis, type RedisClient } from '../../shared/redis';
import { roomKeys } from '../../shared/redis-keys';
import { pollSchema, type Poll } from '../../shared/protocol/polls';
import { LIVE_TTL_SECONDS } from '../live-state';

/** The room's current poll as the server keeps it: the public record plus what only the server may know. */
export interface LivePoll {
  poll: Poll;
  creatorSub: string;
  /** Anonymous polls only, and only while open: the per-poll salt of the voter keys (dropped at close). */
  salt?: string;
}

/** One ballot; `name` only in named polls. */
export interface StoredBallot {
  name?: string;
  optionIndexes: number[];
  votedAt: number;
}

/**
 * The open poll (or the last closed one) of each room, in Redis. Each change that depends on the poll's state is one
 * Lua script over the room's two poll keys (same `{room:R}` hash tag, so one slot): a vote can never land after the
 * close that computed the final results, and exactly one of several racing closers (host, timer claims) wins.
 */
export interface PollLiveState {
  current(roomId: string): Promise<LivePoll | undefined>;
  /** Makes `live` the room's current poll, with no ballots; false (nothing written) while another poll is open. */
  open(roomId: string, live: LivePoll): Promise<boolean>;
  /** Sets one voter's ballot; false when `pollId` is not the open poll. */
  vote(roomId: string, pollId: string, voterKey: string, ballot: StoredBallot): Promise<boolean>;
  /** Marks the poll closed (record replaced by `closed`, salt dropped); true for exactly one caller. */
  close(roomId: string, closed: Poll): Promise<boolean>;
  ballots(roomId: string): Promise<Map<string, StoredBallot>>;
}

const OPEN = `
if redis.call('HGET', KEYS[1], 'state') == 'open' then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'open', 'id', ARGV[1], 'record', ARGV[2], 'creatorSub', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'salt', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`;

const VOTE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' or redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;

const CLOSE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' or redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed', 'record', ARGV[2])
redis.call('HDEL', KEYS[1], 'salt')
return 1`;

export class RedisPollLiveState implements PollLiveState {
  constructor(private readonly redis: () => RedisClient = getRedis) {}

  async current(roomId: string): Promise<LivePoll | undefined> {
    const h = await this.redis().hgetall(roomKeys(roomId).poll);
    if (!h.record || !h.creatorSub) return undefined;
    const poll = pollSchema.parse(JSON.parse(h.record));
    return { poll, creatorSub: h.creatorSub, ...(h.salt ? { salt: h.salt } : {}) };
  }

  async open(roomId: string, live: LivePoll): Promise<boolean> {
    const k = roomKeys(roomId);
    const args = [live.poll.id, JSON.stringify(live.poll), live.creatorSub, live.salt ?? '', LIVE_TTL_SECONDS];
    return (await this.redis().eval(OPEN, 2, k.poll, k.pollVotes, ...args)) === 1;
  }

  async vote(roomId: string, pollId: string, voterKey: string, ballot: StoredBallot): Promise<boolean> {
    const k = roomKeys(roomId);
    const args = [pollId, voterKey, JSON.stringify(ballot), LIVE_TTL_SECONDS];
    return (await this.redis().eval(VOTE, 2, k.poll, k.pollVotes, ...args)) === 1;
  }

  async close(roomId: string, closed: Poll): Promise<boolean> {
    return (await this.redis().eval(CLOSE, 1, roomKeys(roomId).poll, closed.id, JSON.stringify(closed))) === 1;
  }

  async ballots(roomId: string): Promise<Map<string, StoredBallot>> {
    const all = await this.redis().hgetall(roomKeys(roomId).pollVotes);
    return new Map(Object.entries(all).map(([key, raw]) => [key, JSON.parse(raw) as StoredBallot]));
  }
}
