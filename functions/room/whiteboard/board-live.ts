/**
 * The live side of each room's whiteboard in Redis: the log of updates since the last snapshot, the board's
 * settings and fill, parts of multi-part messages in flight, and the compaction lock. All keys carry the room's
 * `{room:R}` hash tag (redis-keys.ts), so each script below stays in one slot, as ElastiCache Serverless requires.
 */
import { getRedis, type RedisClient } from '../../shared/redis';
import { LIVE_WHITEBOARDS_KEY, roomKeys } from '../../shared/redis-keys';
import type { Chunk } from '../../shared/protocol/whiteboard';
import { LIVE_TTL_SECONDS } from '../live-state';

export interface WhiteboardMeta {
  locked: boolean;
  /** Snapshot plus every logged update, in bytes: what the board-size limit counts. */
  bytes: number;
  snapshotBytes: number;
  /** Epoch ms of the last compaction (or of hydration from the snapshot). */
  compactedAt: number;
}

export interface WhiteboardLive {
  /** undefined when Redis holds nothing for this board (never drawn on, or Redis lost it): hydrate first. */
  meta(roomId: string): Promise<WhiteboardMeta | undefined>;
  /** Starts the live side from the stored snapshot; a no-op when another invocation did it first. */
  hydrate(roomId: string, from: { locked: boolean; snapshotBytes: number; now: number }): Promise<void>;
  /**
   * Appends one update unless the board would pass `maxBytes` (0: no limit, for clears). Returns the log's length,
   * or undefined when refused for size.
   */
  append(roomId: string, update: Uint8Array, maxBytes: number): Promise<number | undefined>;
  /** Rooms whose log may hold updates not yet in a snapshot (every room that appended since its last compaction). */
  liveBoards(): Promise<string[]>;
  /** The room's log was compacted away (or dropped): it leaves `liveBoards`. */
  settled(roomId: string): Promise<void>;
  /** The logged updates, oldest first. */
  log(roomId: string): Promise<Uint8Array[]>;
  /** After the first `count` entries went into a snapshot of `snapshotBytes`: drops them, recounts the fill. */
  compacted(roomId: string, count: number, snapshotBytes: number, now: number): Promise<void>;
  setLocked(roomId: string, locked: boolean): Promise<void>;
  /** Keeps one part; all parts in index order once the last arrived (and forgets them), else undefined. */
  addPart(roomId: string, connectionId: string, chunk: Chunk, message: string): Promise<string[] | undefined>;
  /** One compactor at a time per board; the lock expires by itself if its holder dies. */
  lockCompaction(roomId: string, seconds: number): Promise<boolean>;
  unlockCompaction(roomId: string): Promise<void>;
  /** The meeting ended (after its board was compacted into the store). */
  clear(roomId: string): Promise<void>;
}

const APPEND = `
local n = tonumber(ARGV[2])
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', n)
if tonumber(ARGV[3]) > 0 and bytes > tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], 'bytes', -n)
  return -1
end
local len = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return len`;

// The fill is recounted from what is left (the snapshot plus the entries appended since the compactor read the log).
const COMPACTED = `
redis.call('LTRIM', KEYS[2], ARGV[1], -1)
local rest = redis.call('LRANGE', KEYS[2], 0, -1)
local bytes = tonumber(ARGV[2])
for _, entry in ipairs(rest) do bytes = bytes + math.floor(string.len(entry) * 3 / 4) end
redis.call('HSET', KEYS[1], 'bytes', bytes, 'snapshotBytes', ARGV[2], 'compactedAt', ARGV[3])
return bytes`;

const ADD_PART = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then return nil end
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return all`;

/** Parts of a message that never completes are forgotten after this long. */
const PART_TTL_SECONDS = 60;

const toBytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const toText = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export class RedisWhiteboardLive implements WhiteboardLive {
  constructor(private readonly redis: () => RedisClient = getRedis) {}

  async meta(roomId: string): Promise<WhiteboardMeta | undefined> {
    const h = await this.redis().hgetall(roomKeys(roomId).whiteboardMeta);
    if (h.compactedAt === undefined) return undefined;
    return {
      locked: h.locked === '1',
      bytes: Number(h.bytes ?? 0),
      snapshotBytes: Number(h.snapshotBytes ?? 0),
      compactedAt: Number(h.compactedAt),
    };
  }

  async hydrate(roomId: string, from: { locked: boolean; snapshotBytes: number; now: number }): Promise<void> {
    const k = roomKeys(roomId);
    // HSETNX on the marker field: two joiners hydrating at once must not both add the snapshot to `bytes`.
    const first = await this.redis().hsetnx(k.whiteboardMeta, 'compactedAt', String(from.now));
    if (!first) return;
    await this.redis()
      .multi()
      .hset(k.whiteboardMeta, 'locked', from.locked ? '1' : '0', 'snapshotBytes', String(from.snapshotBytes))
      .hincrby(k.whiteboardMeta, 'bytes', from.snapshotBytes)
      .expire(k.whiteboardMeta, LIVE_TTL_SECONDS)
      .exec();
  }

  async append(roomId: string, update: Uint8Array, maxBytes: number): Promise<number | undefined> {
    const k = roomKeys(roomId);
    const result = await this.redis().eval(
      APPEND,
      2,
      k.whiteboardMeta,
      k.whiteboardLog,
      toText(update),
      String(update.length),
      String(maxBytes),
      String(LIVE_TTL_SECONDS),
    );
    const n = Number(result);
    if (n < 0) return undefined;
    // The first entry after a compaction names the room in the index (its own slot, so a command of its own).
    if (n === 1) await this.redis().sadd(LIVE_WHITEBOARDS_KEY, roomId);
    return n;
  }

  liveBoards(): Promise<string[]> {
    return this.redis().smembers(LIVE_WHITEBOARDS_KEY);
  }

  async settled(roomId: string): Promise<void> {
    await this.redis().srem(LIVE_WHITEBOARDS_KEY, roomId);
  }

  async log(roomId: string): Promise<Uint8Array[]> {
    const entries = await this.redis().lrange(roomKeys(roomId).whiteboardLog, 0, -1);
    return entries.map(toBytes);
  }

  async compacted(roomId: string, count: number, snapshotBytes: number, now: number): Promise<void> {
    const k = roomKeys(roomId);
    await this.redis().eval(
      COMPACTED,
      2,
      k.whiteboardMeta,
      k.whiteboardLog,
      String(count),
      String(snapshotBytes),
      String(now),
    );
  }

  async setLocked(roomId: string, locked: boolean): Promise<void> {
    await this.redis().hset(roomKeys(roomId).whiteboardMeta, 'locked', locked ? '1' : '0');
  }

  async addPart(roomId: string, connectionId: string, chunk: Chunk, message: string): Promise<string[] | undefined> {
    const key = roomKeys(roomId).whiteboardParts(connectionId, chunk.id);
    const all = (await this.redis().eval(
      ADD_PART,
      1,
      key,
      String(chunk.index),
      message,
      String(chunk.count),
      String(PART_TTL_SECONDS),
    )) as string[] | null;
    if (!all) return undefined;
    const parts = new Array<string>(chunk.count);
    for (let i = 0; i < all.length; i += 2) parts[Number(all[i])] = all[i + 1]!;
    return parts.some((p) => p === undefined) ? undefined : parts;
  }

  async lockCompaction(roomId: string, seconds: number): Promise<boolean> {
    const ok = await this.redis().set(roomKeys(roomId).whiteboardCompacting, '1', 'EX', seconds, 'NX');
    return ok === 'OK';
  }

  async unlockCompaction(roomId: string): Promise<void> {
    await this.redis().del(roomKeys(roomId).whiteboardCompacting);
  }

  async clear(roomId: string): Promise<void> {
    const k = roomKeys(roomId);
    await this.redis().del(k.whiteboardLog, k.whiteboardMeta, k.whiteboardCompacting);
  }
}
