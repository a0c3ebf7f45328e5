import * as z from 'zod';
import { getRedis } from './redis';
import { rateLimitKey } from './redis-keys';
import { optionalEnv } from './env';
import { ConfigError, TooManyRequests } from './errors';

export interface Limit {
  max: number;
  windowSeconds: number;
}

/** Defaults sized for people, not scripts; override per deployment with LIMITS_JSON (same keys). */
const DEFAULT_LIMITS = {
  signIn: { max: 10, windowSeconds: 60 },
  roomCreate: { max: 20, windowSeconds: 3600 },
  roomJoin: { max: 30, windowSeconds: 60 },
  chat: { max: 20, windowSeconds: 10 },
  // Per voter and room: changing one's mind a few times is fine, a script flipping votes to flood the room is not.
  pollVote: { max: 10, windowSeconds: 10 },
  // Per sender and room: a burst of applause is fine, a script filling every tile with emoji is not.
  reaction: { max: 10, windowSeconds: 10 },
  // Per sender and room, every breakout action (open, move, broadcast, ask for help): a host dragging people around
  // is a few a second at most; a script looping moves to churn every call in the meeting is refused.
  breakout: { max: 30, windowSeconds: 10 },
  // Per identity and room: a page sends at most ~12 whiteboard updates a second while drawing (it batches), and
  // a catch-up after a dropped socket comes in parts; a script filling the board in a loop is far above this.
  whiteboard: { max: 200, windowSeconds: 10 },
  // Per room socket, all whiteboard frames (updates, parts, cursors at up to 10 a second): counted apart from
  // `roomMessage` so drawing never closes the socket that chat and roster changes need.
  whiteboardMessage: { max: 400, windowSeconds: 10 },
  // A call setup is ~1 offer + 1 answer + ~24 candidates per peer pair; 8 peers reconnecting at once stays under.
  signal: { max: 400, windowSeconds: 10 },
  roomMessage: { max: 60, windowSeconds: 10 },
  // A page opens two sockets and reconnects with backoff: 20 handshakes a minute per identity is far above that.
  wsConnect: { max: 20, windowSeconds: 60 },
  // Per viewer address (IPv6 per /64): an office behind one NAT is many people, so this is sized for a crowd.
  wsConnectAddress: { max: 300, windowSeconds: 60 },
  upload: { max: 30, windowSeconds: 3600 },
  // Profile pictures per account: decoding is the costly step; changing one's picture a few times is plenty.
  avatarUpload: { max: 10, windowSeconds: 600 },
  // Wrong passwords for one room from all callers together: enough for every invitee to mistype a few times, far
  // too few to guess even a short password (a 4-digit PIN would take ~40 hours on average).
  roomPasswordFailures: { max: 20, windowSeconds: 900 },
  // Password sign-ins (and current-password checks) per account, counted for unknown addresses alike so the limit
  // says nothing about who has an account: a person mistyping is far below, a guesser gets 40 tries an hour.
  passwordSignIn: { max: 10, windowSeconds: 900 },
  // Mails (sign-up links, reset links) per address: enough to ask again when one is slow, too few to flood an inbox.
  accountMail: { max: 3, windowSeconds: 900 },
  // Mails asked for from one viewer address (IPv6 per /64), to any number of addresses.
  accountMailAddress: { max: 20, windowSeconds: 3600 },
} satisfies Record<string, Limit>;

export type LimitName = keyof typeof DEFAULT_LIMITS;

const limitSchema = z.object({ max: z.number().int().positive(), windowSeconds: z.number().int().positive() });

function loadLimits(): Record<LimitName, Limit> {
  const raw = optionalEnv('LIMITS_JSON');
  if (!raw) return DEFAULT_LIMITS;
  const parsed = z.record(z.string(), limitSchema).safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ConfigError(`LIMITS_JSON is invalid: ${parsed.error.message}`);
  return { ...DEFAULT_LIMITS, ...parsed.data } as Record<LimitName, Limit>;
}

let loaded: Record<LimitName, Limit> | undefined;
const current = () => (loaded ??= loadLimits());

/**
 * The limits in force, read from LIMITS_JSON on first use rather than when this module loads: in Lambda the
 * environment is fixed before either, but a process that loads the handlers first and sets LIMITS_JSON afterwards
 * (the local cloud imported by a test, then configured) would otherwise keep the defaults without a word.
 */
export const limits: Readonly<Record<LimitName, Limit>> = new Proxy({} as Record<LimitName, Limit>, {
  get: (_target, name) => current()[name as LimitName],
  has: (_target, name) => name in current(),
  ownKeys: () => Reflect.ownKeys(current()),
  getOwnPropertyDescriptor: (_target, name) => {
    const value = current()[name as LimitName];
    return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
  },
});

/** Builds the Redis key of one window's counter (see redis-keys.ts: a room's counters live in its hash slot). */
export type WindowKey = (window: number) => string;

/** Counts one event in the current window; throws TooManyRequests once more than `max` were counted. */
async function count(windowKey: WindowKey, limit: Limit, message: (retryAfter: number) => string): Promise<string> {
  const redis = getRedis();
  const key = windowKey(Math.floor(Date.now() / 1000 / limit.windowSeconds));
  const n = await redis.incr(key);
  if (n === 1) await redis.expire(key, limit.windowSeconds + 1);
  if (n > limit.max) {
    const retryAfter = limit.windowSeconds - (Math.floor(Date.now() / 1000) % limit.windowSeconds);
    throw new TooManyRequests(message(retryAfter), retryAfter);
  }
  return key;
}

/**
 * Fixed-window counter in Redis: one INCR per event, the window's TTL set on its first hit. Throws TooManyRequests
 * (429 / socket error 'rate-limited') once `max` is passed within the window.
 */
export async function rateLimit(key: string, limit: Limit): Promise<void> {
  await count(
    (window) => rateLimitKey(key, window),
    limit,
    (s) => `Too many requests: wait ${s} s and try again`,
  );
}

/**
 * Takes one attempt from a budget that only failures should use up (wrong passwords): the attempt is counted
 * before the check, so callers racing each other cannot exceed `max`, and `refund` gives it back when the attempt
 * succeeded. Throws TooManyRequests with `refusal` once the budget of the window is spent.
 */
export async function takeAttempt(
  windowKey: WindowKey,
  limit: Limit,
  refusal: (retryAfter: number) => string,
): Promise<{ refund(): Promise<void> }> {
  const key = await count(windowKey, limit, refusal);
  return {
    async refund() {
      await getRedis().decr(key);
    },
  };
}
