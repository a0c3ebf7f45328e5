/*
 * A real three-master Redis Cluster on loopback for the integration tests: ElastiCache Serverless (Valkey) is cluster
 * mode, and only a cluster refuses what a single node accepts (a MULTI, Lua script or multi-key command across hash
 * slots). `.ci/run` starts it (`tsx test/support/redis-cluster.ts`); the integration project's global setup starts it
 * too when redis-server is installed and the ports are free. It is left running afterwards, like the Redis and
 * PostgreSQL services on these machines: jest runs of other checkouts may be using it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';

export const CLUSTER_PORTS = [7379, 7380, 7381] as const;
export const CLUSTER_URL = `redis://127.0.0.1:${CLUSTER_PORTS[0]}`;

/** Set by the global setup: 'ready', or why the cluster is unavailable (read synchronously by test titles). */
export const CLUSTER_STATE_ENV = 'CN_REDIS_CLUSTER_STATE';

export type ClusterState = { ready: true } | { ready: false; reason: string };

function redisCli(args: string[], timeoutMs = 5000) {
  return spawnSync('redis-cli', args, { encoding: 'utf8', timeout: timeoutMs });
}

function clusterOk(): boolean {
  const info = redisCli(['-h', '127.0.0.1', '-p', String(CLUSTER_PORTS[0]), 'cluster', 'info'], 2000);
  return info.status === 0 && /cluster_state:ok/.test(info.stdout);
}

function portAnswers(port: number): boolean {
  return redisCli(['-h', '127.0.0.1', '-p', String(port), 'ping'], 2000).stdout?.trim() === 'PONG';
}

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Starts the cluster unless it already runs; says why not when it cannot. Synchronous: jest setup and CLI alike. */
export function ensureRedisCluster(): ClusterState {
  if (clusterOk()) return { ready: true };
  if (!installed('redis-server') || !installed('redis-cli')) {
    return { ready: false, reason: 'redis-server/redis-cli are not installed' };
  }
  const busy = CLUSTER_PORTS.filter(portAnswers);
  if (busy.length > 0) {
    return { ready: false, reason: `ports ${busy.join(', ')} answer but are not a healthy Redis Cluster` };
  }
  const root = join(tmpdir(), 'cn-redis-cluster');
  for (const port of CLUSTER_PORTS) {
    const dir = join(root, String(port));
    mkdirSync(dir, { recursive: true });
    // Fresh state each start: an old nodes.conf would make the node remember a cluster that no longer exists.
    spawnSync('rm', ['-f', join(dir, 'nodes.conf')]);
    const started = spawnSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
    ]);
    if (started.status !== 0) return { ready: false, reason: `redis-server on ${port} failed: ${started.stderr}` };
  }
  for (let i = 0; i < 50 && !CLUSTER_PORTS.every(portAnswers); i++) spawnSync('sleep', ['0.1']);
  const created = redisCli(
    ['--cluster', 'create', ...CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    30_000,
  );
  if (created.status !== 0) return { ready: false, reason: `redis-cli --cluster create failed: ${created.stdout}` };
  for (let i = 0; i < 100 && !clusterOk(); i++) spawnSync('sleep', ['0.1']);
  return clusterOk() ? { ready: true } : { ready: false, reason: 'the cluster did not reach cluster_state:ok' };
}

/** What the global setup found (tests read it synchronously to name their target). */
export function clusterStateFromEnv(): ClusterState {
  const state = process.env[CLUSTER_STATE_ENV];
  if (state === 'ready') return { ready: true };
  return { ready: false, reason: state || 'the integration global setup did not run' };
}

/** A Redis the integration suites point the local cloud at: one node, or a cluster reached through one node. */
export interface RedisTarget {
  redisUrl: string;
  redisCluster?: boolean;
}

/** Runs `fn` on every node that holds keys: the one node, or every master of a cluster (none sees all keys). */
async function onEveryMaster(target: RedisTarget, fn: (node: Redis) => Promise<void>): Promise<void> {
  if (!target.redisCluster) {
    const node = new Redis(target.redisUrl, { maxRetriesPerRequest: 2 });
    try {
      await fn(node);
    } finally {
      node.disconnect();
    }
    return;
  }
  const { hostname, port } = new URL(target.redisUrl);
  const cluster = new Cluster([{ host: hostname, port: Number(port) }]);
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('error', reject);
    });
    for (const node of cluster.nodes('master')) await fn(node);
  } finally {
    cluster.disconnect();
  }
}

/** Every key matching `pattern` (a glob that starts with the run's random prefix). */
export async function keysMatching(target: RedisTarget, pattern: string): Promise<string[]> {
  const found: string[] = [];
  await onEveryMaster(target, async (node) => {
    found.push(...(await node.keys(pattern)));
  });
  return found;
}

/** Deletes what one test run wrote under its random prefix, nothing else. */
export async function removeKeysUnder(target: RedisTarget, prefix: string): Promise<void> {
  await onEveryMaster(target, async (node) => {
    // Keys of different slots cannot share one DEL on a cluster node: one UNLINK each.
    for (const key of await node.keys(`${prefix}*`)) await node.unlink(key);
  });
}

if (require.main === module) {
  const state = ensureRedisCluster();
  if (!state.ready) {
    console.error(`redis cluster: ${state.reason}`);
    process.exit(1);
  }
  console.log(`redis cluster: ready on 127.0.0.1:${CLUSTER_PORTS.join(', ')}`);
}
