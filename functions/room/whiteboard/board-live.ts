/**
 * The live side of each board in Redis (the main room's and each breakout room's, board-ref.ts): the log of updates
 * since the last snapshot, the board's settings and fill, parts of multi-part messages in flight, and the compaction
 * lock. All keys carry the room's `{room:R}` hash tag (redis-keys.ts), so each script below stays in one slot, as
 * ElastiCache Serverless requires.
 */
import { getRedis, type RedisClient } from '../../shared/redis';
import { LIVE_WHITEBOARDS_KEY, roomKeys } from '../../shared/redis-keys';
import type { Chunk } from '../../shared/protocol/whiteboard';
import { LIVE_TTL_SECONDS } from '../live-state';
import { boardKey, parseBoardKey, type BoardRef } from './board-ref';

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
  meta(ref: BoardRef): Promise<WhiteboardMeta | undefined>;
  /** Starts the live side from the stored snapshot; a no-op when another invocation did it first. */
  hydrate(ref: BoardRef, from: { locked: boolean; snapshotBytes: number; now: number }): Promise<void>;
  /**
   * Appends one update unless the board would pass `maxBytes` (0: no limit, for clears). Returns the log's length,
   * or undefined when refused for size.
   */
  append(ref: BoardRef, update: Uint8Array, maxBytes: number): Promise<number | undefined>;
  /** Boards whose log may hold updates not yet in a snapshot (every board appended to since its last compaction). */
  liveBoards(): Promise<BoardRef[]>;
  /** The board's log was compacted away (or dropped): it leaves `liveBoards`. */
  settled(ref: BoardRef): Promise<void>;
  /** The logged updates, oldest first. */
  log(ref: BoardRef): Promise<Uint8Array[]>;
  /** After the first `count` entries went into a snapshot of `snapshotBytes`: drops them, recounts the fill. */
  compacted(ref: BoardRef, count: number, snapshotBytes: number, now: number): Promise<void>;
  setLocked(ref: BoardRef, locked: boolean): Promise<void>;
  /** Keeps one part; all parts in index order once the last arrived (and forgets them), else undefined. */
  addPart(roomId: string, connectionId: string, chunk: Chunk, message: string): Promise<string[] | undefined>;
  /** One compactor at a time per board; the lock expires by itself if its holder dies. */
  lockCompaction(ref: BoardRef, seconds: number): Promise<boolean>;
  unlockCompaction(ref: BoardRef): Promise<void>;
  /** The board's meeting or breakout room ended (after it was compacted into the store). */
  clear(ref: BoardRef): Promise<void>;
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

  async meta(ref: BoardRef): Promise<WhiteboardMeta | undefined> {
    const h = await this.redis().hgetall(roomKeys(ref.roomId).whiteboardMeta(ref.board));
    if (h.compactedAt === undefined) return undefined;
    return {
      locked: h.locked === '1',
      bytes: Number(h.bytes ?? 0),
      snapshotBytes: Number(h.snapshotBytes ?? 0),
      compactedAt: Number(h.compactedAt),
    };
  }

  async hydrate(ref: BoardRef, from: { locked: boolean; snapshotBytes: number; now: number }): Promise<void> {
    const meta = roomKeys(ref.roomId).whiteboardMeta(ref.board);
    // HSETNX on the marker field: two joiners hydrating at once must not both add the snapshot to `bytes`.
    const first = await this.redis().hsetnx(meta, 'compactedAt', String(from.now));
    if (!first) return;
    await this.redis()
      .multi()
      .hset(meta, 'locked', from.locked ? '1' : '0', 'snapshotBytes', String(from.snapshotBytes))
      .hincrby(meta, 'bytes', from.snapshotBytes)
      .expire(meta, LIVE_TTL_SECONDS)
      .exec();
  }

  async append(ref: BoardRef, update: Uint8Array, maxBytes: number): Promise<number | undefined> {
    const k = roomKeys(ref.roomId);
    const result = await this.redis().eval(
      APPEND,
      2,
      k.whiteboardMeta(ref.board),
      k.whiteboardLog(ref.board),
      toText(update),
      String(update.length),
      String(maxBytes),
      String(LIVE_TTL_SECONDS),
    );
    const n = Number(result);
    if (n < 0) return undefined;
    // The first entry after a compaction names the board in the index (its own slot, so a command of its own).
    if (n === 1) await this.redis().sadd(LIVE_WHITEBOARDS_KEY, boardKey(ref));
    return n;
  }

  async liveBoards(): Promise<BoardRef[]> {
    const keys = await this.redis().smembers(LIVE_WHITEBOARDS_KEY);
    return keys.map(parseBoardKey).filter((ref): ref is BoardRef => ref !== undefined);
  }

  async settled(ref: BoardRef): Promise<void> {
    await this.redis().srem(LIVE_WHITEBOARDS_KEY, boardKey(ref));
  }

  async log(ref: BoardRef): Promise<Uint8Array[]> {
    const entries = await this.redis().lrange(roomKeys(ref.roomId).whiteboardLog(ref.board), 0, -1);
    return entries.map(toBytes);
  }

  async compacted(ref: BoardRef, count: number, snapshotBytes: number, now: number): Promise<void> {
    const k = roomKeys(ref.roomId);
    await this.redis().eval(
      COMPACTED,
      2,
      k.whiteboardMeta(ref.board),
      k.whiteboardLog(ref.board),
      String(count),
      String(snapshotBytes),
      String(now),
    );
  }

  async setLocked(ref: BoardRef, locked: boolean): Promise<void> {
    await this.redis().hset(roomKeys(ref.roomId).whiteboardMeta(ref.board), 'locked', locked ? '1' : '0');
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

  async lockCompaction(ref: BoardRef, seconds: number): Promise<boolean> {
    const ok = await this.redis().set(roomKeys(ref.roomId).whiteboardCompacting(ref.board), '1', 'EX', seconds, 'NX');
    return ok === 'OK';
  }

  async unlockCompaction(ref: BoardRef): Promise<void> {
    await this.redis().del(roomKeys(ref.roomId).whiteboardCompacting(ref.board));
  }

  async clear(ref: BoardRef): Promise<void> {
    const k = roomKeys(ref.roomId);
    await this.redis().del(k.whiteboardLog(ref.board), k.whiteboardMeta(ref.board), k.whiteboardCompacting(ref.board));
  }
}
