import { getRedis, type RedisClient } from '../../shared/redis';
import { roomKeys } from '../../shared/redis-keys';
import {
  breakoutRoomSchema,
  helpRequestSchema,
  type BreakoutMode,
  type BreakoutRoom,
  type HelpRequest,
} from '../../shared/protocol/breakouts';
import { LIMITS, chatMessageSchema, type ChatMessage } from '../../shared/protocol/room';
import * as z from 'zod';
import { LIVE_TTL_SECONDS } from '../live-state';

/** One opening of breakout rooms as the server keeps it. */
export interface LiveBreakouts {
  id: string;
  mode: BreakoutMode;
  rooms: BreakoutRoom[];
  /** Epoch ms when the timer ends; null without one. */
  endsAt: number | null;
  openedAt: number;
}

/** What a move found: done, nothing open under that id, or (members only) the rooms are not open for choosing. */
export type MoveOutcome = 'moved' | 'closed' | 'not-choosing';

/**
 * Breakout state in Redis: one hash for the opening, one for where each identity is (sub → room id), one for help
 * requests, all under the room's `{room:R}` tag (one slot on a cluster). Every change that depends on the state is
 * one Lua script over those keys, so two hosts acting at once end in one state: one opening wins, a move never lands
 * after the close that sent everyone back, and exactly one of several closers (hosts, timer claims) closes.
 */
export interface BreakoutLiveState {
  /** The open breakout rooms, if any. */
  current(roomId: string): Promise<LiveBreakouts | undefined>;
  /** Where each identity is while rooms are open (absent: main room); empty when none are open. */
  places(roomId: string): Promise<Map<string, string>>;
  /** Opens with these placements (sub → room id); false (nothing written) while rooms are already open. */
  open(roomId: string, breakouts: LiveBreakouts, placements: ReadonlyMap<string, string>): Promise<boolean>;
  /** Moves one identity (room null: back to the main room) within opening `id`. */
  move(roomId: string, id: string, sub: string, room: string | null, onlyWhenChoosing: boolean): Promise<MoveOutcome>;
  /** Closes opening `id` (everyone back in the main room); true for exactly one caller. */
  close(roomId: string, id: string): Promise<boolean>;
  /** Records a request for help while rooms are open; false when none are. */
  askHelp(roomId: string, sub: string, request: HelpRequest): Promise<boolean>;
  help(roomId: string): Promise<Map<string, HelpRequest>>;
  clearHelp(roomId: string, subs: readonly string[]): Promise<void>;
  appendChat(roomId: string, id: string, room: string, message: ChatMessage): Promise<void>;
  recentChat(roomId: string, id: string, room: string): Promise<ChatMessage[]>;
}

const OPEN = `
if redis.call('HGET', KEYS[1], 'state') == 'open' then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'state', 'open', 'id', ARGV[1], 'mode', ARGV[2], 'record', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if #ARGV >= 5 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return 1`;

const MOVE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' or redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if ARGV[5] == '1' and redis.call('HGET', KEYS[1], 'mode') ~= 'choose' then return -1 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[2], ARGV[2])
else
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return 1`;

const CLOSE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' or redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('DEL', KEYS[2], KEYS[3])
return 1`;

const ASK_HELP = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1`;

const recordSchema = z.object({
  rooms: z.array(breakoutRoomSchema),
  endsAt: z.number().nullable(),
  openedAt: z.number(),
});

export class RedisBreakoutLiveState implements BreakoutLiveState {
  constructor(private readonly redis: () => RedisClient = getRedis) {}

  async current(roomId: string): Promise<LiveBreakouts | undefined> {
    const h = await this.redis().hgetall(roomKeys(roomId).breakout);
    if (h.state !== 'open' || !h.id || !h.record) return undefined;
    const record = recordSchema.parse(JSON.parse(h.record));
    return { id: h.id, mode: h.mode as BreakoutMode, ...record };
  }

  async places(roomId: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis().hgetall(roomKeys(roomId).breakoutPlaces)));
  }

  async open(roomId: string, b: LiveBreakouts, placements: ReadonlyMap<string, string>): Promise<boolean> {
    const k = roomKeys(roomId);
    const record = JSON.stringify({ rooms: b.rooms, endsAt: b.endsAt, openedAt: b.openedAt });
    const pairs = [...placements].flat();
    const keys = [k.breakout, k.breakoutPlaces, k.breakoutHelp];
    return (await this.redis().eval(OPEN, 3, ...keys, b.id, b.mode, record, LIVE_TTL_SECONDS, ...pairs)) === 1;
  }

  async move(roomId: string, id: string, sub: string, room: string | null, onlyWhenChoosing: boolean) {
    const k = roomKeys(roomId);
    const args = [id, sub, room ?? '', LIVE_TTL_SECONDS, onlyWhenChoosing ? '1' : '0'];
    const result = Number(await this.redis().eval(MOVE, 2, k.breakout, k.breakoutPlaces, ...args));
    return result === 1 ? 'moved' : result === -1 ? 'not-choosing' : 'closed';
  }

  async close(roomId: string, id: string): Promise<boolean> {
    const k = roomKeys(roomId);
    return Number(await this.redis().eval(CLOSE, 3, k.breakout, k.breakoutPlaces, k.breakoutHelp, id)) === 1;
  }

  async askHelp(roomId: string, sub: string, request: HelpRequest): Promise<boolean> {
    const k = roomKeys(roomId);
    const args = [sub, JSON.stringify(request), LIVE_TTL_SECONDS];
    return Number(await this.redis().eval(ASK_HELP, 2, k.breakout, k.breakoutHelp, ...args)) === 1;
  }

  async help(roomId: string): Promise<Map<string, HelpRequest>> {
    const all = await this.redis().hgetall(roomKeys(roomId).breakoutHelp);
    return new Map(Object.entries(all).map(([sub, raw]) => [sub, helpRequestSchema.parse(JSON.parse(raw))]));
  }

  async clearHelp(roomId: string, subs: readonly string[]): Promise<void> {
    if (subs.length > 0) await this.redis().hdel(roomKeys(roomId).breakoutHelp, ...subs);
  }

  async appendChat(roomId: string, id: string, room: string, message: ChatMessage): Promise<void> {
    const key = roomKeys(roomId).breakoutChat(id, room);
    await this.redis()
      .multi()
      .rpush(key, JSON.stringify(message))
      .ltrim(key, -LIMITS.chatHistory, -1)
      .expire(key, LIVE_TTL_SECONDS)
      .exec();
  }

  async recentChat(roomId: string, id: string, room: string): Promise<ChatMessage[]> {
    const raw = await this.redis().lrange(roomKeys(roomId).breakoutChat(id, room), -LIMITS.chatHistory, -1);
    return raw.map((r) => chatMessageSchema.parse(JSON.parse(r)));
  }
}
