import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { optionalEnv } from './env';
import { redisConnectionFromEnv, type RedisConnection } from './redis-config';
import { createRedisEmulation } from './redis-emulation';

/** A single node or a cluster: the functions use only commands both speak (keys of one call share a slot). */
export type RedisClient = Redis | Cluster;

let shared: RedisClient | undefined;

/**
 * Live meeting state (chat ring buffers, lobby queues, rate-limit counters) lives in Redis: ElastiCache Serverless
 * in AWS (TLS, cluster mode), any Redis or Redis Cluster at REDIS_URL locally, or an in-process emulation when
 * REDIS_URL is unset so `npm start` needs nothing installed. Keys are prefixed `cn:` (see REDIS_PREFIX for tests).
 */
export function getRedis(): RedisClient {
  if (shared) return shared;
  const keyPrefix = optionalEnv('REDIS_PREFIX') ?? 'cn:';
  const connection = redisConnectionFromEnv();
  if (connection) {
    shared = connectRedis(connection, keyPrefix);
  } else {
    shared = createRedisEmulation({ keyPrefix });
  }
  return shared;
}

/** The ioredis options for one connection (exported for tests: the deployed shape is asserted, not assumed). */
export function redisClientOptions(connection: RedisConnection, keyPrefix: string) {
  const node: RedisOptions = {
    maxRetriesPerRequest: 2,
    ...(connection.username ? { username: connection.username } : {}),
    ...(connection.password ? { password: connection.password } : {}),
    // ElastiCache Serverless only accepts TLS; `{}` verifies the certificate against the endpoint's name.
    ...(connection.tls ? { tls: {} } : {}),
  };
  const cluster: ClusterOptions = {
    keyPrefix,
    enableAutoPipelining: true,
    // The cluster answers CLUSTER SLOTS with node hostnames; resolving them to IPs would make the TLS certificate
    // check fail (the certificate names the host), so ioredis must connect to the names as given
    // (https://github.com/redis/ioredis#special-note-aws-elasticache-clusters-with-tls).
    dnsLookup: (address, callback) => callback(null, address),
    // A cold Lambda's first TLS handshake plus CLUSTER SLOTS can exceed ioredis's 1 s default.
    slotsRefreshTimeout: 3000,
    redisOptions: node,
  };
  return { node: { ...node, keyPrefix, enableAutoPipelining: true }, cluster };
}

function connectRedis(connection: RedisConnection, keyPrefix: string): RedisClient {
  const options = redisClientOptions(connection, keyPrefix);
  if (connection.cluster) return new Cluster([{ host: connection.host, port: connection.port }], options.cluster);
  return new Redis(connection.port, connection.host, options.node);
}

/** For tests: use this client (e.g. real Redis with a random prefix) instead of the shared one. */
export function setRedisForTesting(client: RedisClient | undefined): void {
  shared = client;
}

/** Closes the shared client (the local cloud calls this on stop, so a test process can exit). */
export async function closeRedis(): Promise<void> {
  const client = shared;
  shared = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}
