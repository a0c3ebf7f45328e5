/**
 * How the functions reach Redis, read from their environment; `lib/` (deployed functions) and `local/` (the local
 * cloud) write the same variables through `redisEnvironment`, so the two sides cannot drift.
 *
 * - `REDIS_URL`: `rediss://host:port` (TLS) or `redis://host:port`; unset means the in-process emulation.
 * - `REDIS_CLUSTER=true`: speak Redis Cluster (follow MOVED/ASK, route each key to its slot's node). ElastiCache
 *   Serverless is always cluster mode behind one endpoint, so the deployed functions set it; so does the local
 *   three-master cluster the integration tests use.
 */
export interface RedisConnection {
  url: string;
  host: string;
  port: number;
  tls: boolean;
  cluster: boolean;
  username?: string;
  password?: string;
}

export const REDIS_URL_ENV = 'REDIS_URL';
export const REDIS_CLUSTER_ENV = 'REDIS_CLUSTER';

/** The variables a function needs to reach the Redis at `url` (cluster mode or a single node). */
export function redisEnvironment(url: string, options: { cluster: boolean }): Record<string, string> {
  return { [REDIS_URL_ENV]: url, ...(options.cluster ? { [REDIS_CLUSTER_ENV]: 'true' } : {}) };
}

/** Parses the function's environment; undefined when REDIS_URL is unset. Throws a clear error on bad values. */
export function redisConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConnection | undefined {
  const url = env[REDIS_URL_ENV]?.trim();
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${REDIS_URL_ENV} must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`${REDIS_URL_ENV} must start with redis:// or rediss://, got ${JSON.stringify(parsed.protocol)}`);
  }
  const flag = (env[REDIS_CLUSTER_ENV] ?? '').trim().toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(flag)) {
    throw new Error(`${REDIS_CLUSTER_ENV} must be true or false, got ${JSON.stringify(env[REDIS_CLUSTER_ENV])}`);
  }
  return {
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 6379,
    tls: parsed.protocol === 'rediss:',
    cluster: flag === 'true' || flag === '1',
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}
