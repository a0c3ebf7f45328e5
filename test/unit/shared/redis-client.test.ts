import { Cluster } from 'ioredis';
import { redisConnectionFromEnv, redisEnvironment } from '../../../functions/shared/redis-config';
import { closeRedis, getRedis, redisClientOptions } from '../../../functions/shared/redis';

describe('Redis client set-up', () => {
  const saved = { ...process.env };
  afterEach(async () => {
    await closeRedis();
    process.env = { ...saved };
  });

  it('reads the ElastiCache Serverless shape: rediss:// is TLS, REDIS_CLUSTER=true speaks cluster', () => {
    const env = redisEnvironment('rediss://cache-abc.serverless.euw1.cache.amazonaws.com:6379', { cluster: true });
    expect(env).toEqual({
      REDIS_URL: 'rediss://cache-abc.serverless.euw1.cache.amazonaws.com:6379',
      REDIS_CLUSTER: 'true',
    });
    expect(redisConnectionFromEnv(env)).toMatchObject({
      host: 'cache-abc.serverless.euw1.cache.amazonaws.com',
      port: 6379,
      tls: true,
      cluster: true,
    });
  });

  it('defaults to one plain node, and to the emulation without REDIS_URL', () => {
    expect(redisConnectionFromEnv({ REDIS_URL: 'redis://127.0.0.1' })).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      tls: false,
      cluster: false,
    });
    expect(redisConnectionFromEnv({})).toBeUndefined();
  });

  it('says what is wrong with a bad REDIS_URL or REDIS_CLUSTER', () => {
    expect(() => redisConnectionFromEnv({ REDIS_URL: 'http://x:1' })).toThrow(/REDIS_URL must start with redis:\/\//);
    expect(() => redisConnectionFromEnv({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL must be a redis:\/\//);
    expect(() => redisConnectionFromEnv({ REDIS_URL: 'redis://x', REDIS_CLUSTER: 'yes' })).toThrow(
      /REDIS_CLUSTER must be true or false/,
    );
  });

  it('connects to cluster nodes by name over TLS (the certificate names the host, not its address)', () => {
    const connection = redisConnectionFromEnv(redisEnvironment('rediss://cache.example:6379', { cluster: true }))!;
    const { cluster } = redisClientOptions(connection, 'cn:');
    expect(cluster.redisOptions?.tls).toEqual({});
    expect(cluster.keyPrefix).toBe('cn:');
    let resolved: string | undefined;
    cluster.dnsLookup!('node-1.cache.example', (_err, address) => (resolved = address));
    expect(resolved).toBe('node-1.cache.example');
  });

  it('getRedis builds a cluster client when REDIS_CLUSTER=true', async () => {
    Object.assign(process.env, redisEnvironment('redis://127.0.0.1:1', { cluster: true }));
    const client = getRedis();
    client.on('error', () => undefined); // nothing listens on port 1: only the client's kind is under test
    expect(client).toBeInstanceOf(Cluster);
    client.disconnect();
  });
});
