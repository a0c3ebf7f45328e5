import Redis from 'ioredis';
import { optionalEnv } from './env';

let shared: Redis | undefined;

/**
 * Live meeting state (chat ring buffers, lobby queues, rate-limit counters) lives in Redis: ElastiCache in AWS
 * (`rediss://` with TLS), any Redis at REDIS_URL locally, or an in-process emulation when REDIS_URL is unset so
 * `npm start` needs nothing installed. Keys are prefixed `cn:` (see REDIS_PREFIX for tests).
 */
export function getRedis(): Redis {
  if (shared) return shared;
  const url = optionalEnv('REDIS_URL');
  const keyPrefix = optionalEnv('REDIS_PREFIX', 'cn:');
  if (url) {
    shared = new Redis(url, { keyPrefix, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  } else {
    // Loaded lazily so the Lambda bundle never pulls the emulator in (esbuild marks it external in lib/).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RedisMock = require('ioredis-mock') as typeof Redis;
    shared = new RedisMock({ keyPrefix });
  }
  return shared;
}

/** For tests: use this client (e.g. real Redis with a random prefix) instead of the shared one. */
export function setRedisForTesting(client: Redis | undefined): void {
  shared = client;
}

/** Closes the shared client (the local cloud calls this on stop, so a test process can exit). */
export async function closeRedis(): Promise<void> {
  const client = shared;
  shared = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}
