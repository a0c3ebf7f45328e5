import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import type { AwsEndpoint } from './emulators/aws-endpoint';
import type { SecretsManagerEmulator } from './emulators/secrets-manager';
import type { SqsPoller } from './events/sqs-poller';
import type { WorkerStatus } from './events/worker-process';
import type { WebSocketApi } from './gateway/websocket-api';
import type { FunctionName } from './lambda/functions';
import { describe, type LambdaRuntime } from './lambda/runtime';
import type { DynamoStandIn } from './standins/dynamodb';
import type { PgBackend } from './standins/pg-backend';
import type { S3StandIn } from './standins/s3';
import { localClientConfig } from './standins/sdk-config';
import type { SqsStandIn } from './standins/sqs';

export interface HealthPart {
  status: 'up' | 'down' | 'missing' | 'disabled' | 'degraded';
  required: boolean;
  servedBy: string;
  port?: number;
  detail?: string;
}

export interface HealthReport {
  ok: boolean;
  coldStartMs: number;
  /** Milliseconds per start-up phase (stand-ins start in parallel). */
  phases: Record<string, number>;
  dataDir: string;
  parts: Record<string, HealthPart>;
  functions: ReturnType<LambdaRuntime['describe']>;
  migrations: { applied: string[]; alreadyApplied: string[] };
  notes: string[];
}

export interface HealthInputs {
  gatewayPort: number;
  runtime: LambdaRuntime;
  websocket: WebSocketApi;
  dynamo: DynamoStandIn;
  s3: S3StandIn;
  sqs: SqsStandIn;
  pg: PgBackend;
  redisUrl?: string;
  redisCluster?: boolean;
  aws: AwsEndpoint;
  secrets: SecretsManagerEmulator;
  authKeysSecret: string;
  worker: WorkerStatus;
  frontend: { built: boolean; error?: string; dir: string; available: boolean };
  pollers: SqsPoller[];
  migrations: { applied: string[]; alreadyApplied: string[] };
  notes: string[];
  reconciled: string;
  coldStartMs: number;
  phases: Record<string, number>;
  dataDir: string;
  sqsRestored: number;
}

const PROBE_TIMEOUT_MS = 2000;

/** Probes every part for real (a call through each stand-in), so "up" means a request would work now. */
export async function checkHealth(h: HealthInputs): Promise<HealthReport> {
  const fns = h.runtime.describe();
  const handlers = (names: FunctionName[]): HealthPart['status'] =>
    names.every((n) => fns[n]?.status !== 'missing' && fns[n]?.status !== 'load-error') ? 'up' : 'missing';
  const missingOf = (names: FunctionName[]) =>
    names.filter((n) => fns[n]?.status === 'missing' || fns[n]?.status === 'load-error').join(', ');

  const [dynamodb, s3, sqs, postgres, redis] = await Promise.all([
    probe(async () => {
      const client = new DynamoDBClient(localClientConfig(h.dynamo.endpoint));
      try {
        await client.send(new ListTablesCommand({}));
      } finally {
        client.destroy();
      }
    }),
    probe(async () => {
      const res = await fetch(`${h.s3.endpoint}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    }),
    probe(async () => {
      const client = new SQSClient(localClientConfig(h.sqs.endpoint));
      try {
        await client.send(
          new GetQueueAttributesCommand({ QueueUrl: h.sqs.queueUrls['burn-in'], AttributeNames: ['QueueArn'] }),
        );
      } finally {
        client.destroy();
      }
    }),
    probe(async () => {
      await h.pg.query('SELECT 1', []);
    }),
    probe(async () => {
      if (!h.redisUrl) return;
      const client = new Redis(h.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        connectTimeout: PROBE_TIMEOUT_MS,
      });
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    }),
  ]);

  const wsStatus = handlers(['WsAuthorizer', 'WsConnect', 'WsDisconnect', 'SignalRelay', 'RoomSocket', 'PeerOpener']);
  const parts: Record<string, HealthPart> = {
    gateway: { status: 'up', required: true, servedBy: 'local gateway (node:http)', port: h.gatewayPort },
    websocket: {
      status: wsStatus,
      required: true,
      servedBy: `local gateway /peerjs (ws), ${h.websocket.openConnections} open`,
      port: h.gatewayPort,
      ...(wsStatus === 'up'
        ? {}
        : {
            detail: `missing handlers: ${missingOf(['WsAuthorizer', 'WsConnect', 'WsDisconnect', 'SignalRelay', 'RoomSocket', 'PeerOpener'])}`,
          }),
    },
    'http api': {
      status: handlers(['HttpApi']),
      required: true,
      servedBy: 'local gateway /api (payload v2)',
      port: h.gatewayPort,
    },
    dynamodb: { ...dynamodb, required: true, servedBy: 'dynalite (LevelDB in the data folder)', port: h.dynamo.port },
    s3: { ...s3, required: true, servedBy: 's3rver (files in the data folder)', port: h.s3.port },
    sqs: {
      ...sqs,
      required: true,
      servedBy: 'fauxqs (in memory, snapshotted to the data folder)',
      port: h.sqs.port,
      detail: `restored ${h.sqsRestored} message(s) at start; reconcile: ${h.reconciled}; BurnIn poller batches: ${h.pollers.map((p) => p.batches).join(',')}`,
    },
    postgres: {
      ...postgres,
      required: true,
      servedBy: h.pg.kind === 'pglite' ? 'pglite (WASM PostgreSQL, data folder)' : 'postgres (DATABASE_URL)',
    },
    'rds-data-api': { status: 'up', required: true, servedBy: 'local Data API emulator', port: h.aws.port },
    redis: {
      ...redis,
      required: true,
      servedBy: h.redisUrl
        ? `redis${h.redisCluster ? ' cluster' : ''} at ${redactUrl(h.redisUrl)}`
        : 'in-process (ioredis-mock)',
    },
    secrets: {
      status: h.secrets.get(h.authKeysSecret) ? 'up' : 'down',
      required: true,
      servedBy: 'local Secrets Manager emulator (data folder)',
      port: h.aws.port,
    },
    'lambda-invoke': { status: 'up', required: true, servedBy: 'local Lambda Invoke emulator', port: h.aws.port },
    worker: {
      status:
        h.worker.status === 'running'
          ? 'up'
          : h.worker.status === 'disabled'
            ? 'disabled'
            : h.worker.status === 'missing'
              ? 'missing'
              : 'down',
      required: false,
      servedBy: 'child process: containers/whisper/src/main.ts',
      detail:
        h.worker.status === 'missing'
          ? 'containers/whisper/src/main.ts does not exist'
          : `${h.worker.status}${h.worker.pid ? ` pid ${h.worker.pid}` : ''}, restarts ${h.worker.restarts}`,
    },
    frontend: {
      status: h.frontend.available ? 'up' : 'missing',
      required: false,
      servedBy: `static files from ${h.frontend.dir}`,
      port: h.gatewayPort,
      ...(h.frontend.error
        ? { detail: `build failed: ${h.frontend.error}` }
        : h.frontend.available
          ? {}
          : { detail: 'no index.html: a minimal shell is served' }),
    },
  };
  const ok = Object.values(parts).every((p) => !p.required || p.status === 'up');
  return {
    ok,
    coldStartMs: h.coldStartMs,
    phases: h.phases,
    dataDir: h.dataDir,
    parts,
    functions: fns,
    migrations: h.migrations,
    notes: h.notes,
  };
}

async function probe(fn: () => Promise<void>): Promise<{ status: 'up' | 'down'; detail?: string }> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref()),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', detail: describe(error) };
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}

/** What /healthz shows without `?detail=1` from this machine: each part's status, no ports, paths or timings. */
export function healthSummary(ok: boolean, report: unknown): { ok: boolean; parts?: Record<string, string> } {
  const parts = (report as Partial<HealthReport> | undefined)?.parts;
  if (!parts) return { ok };
  return { ok, parts: Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.status])) };
}
