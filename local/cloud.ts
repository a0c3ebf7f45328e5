import { closeRedis } from '../functions/shared/redis';
import { stopRunningTools } from '../functions/recordings/media-tools';
import { compactAllWhiteboards } from '../functions/room/whiteboard/board-compaction';
import { RedisWhiteboardLive } from '../functions/room/whiteboard/board-live';
import { SqlWhiteboardStore } from '../functions/room/whiteboard/board-store';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { RdsDataApi, type AutoPause } from './emulators/rds-data-api';
import { SecretsManagerEmulator } from './emulators/secrets-manager';
import { startAwsEndpoint } from './emulators/aws-endpoint';
import { SesStandIn, type LocalMail } from './standins/ses';
import { SqsPoller } from './events/sqs-poller';
import { WorkerProcess } from './events/worker-process';
import { createGateway } from './gateway/server';
import { s3AvatarReader, type AvatarReader } from './gateway/avatar-files';
import { StaticFiles } from './gateway/static-files';
import { WebSocketApi } from './gateway/websocket-api';
import { lockDataDir } from './data-lock';
import { REPO_ROOT, type FunctionName } from './lambda/functions';
import { describe, LambdaRuntime, LOCAL_ACCOUNT_ID } from './lambda/runtime';
import { startDynamo } from './standins/dynamodb';
import type { PgBackend } from './standins/pg-backend';
import { PgliteWorkerBackend } from './standins/pglite-worker-backend';
import { PostgresBackend } from './standins/postgres-backend';
import { startS3 } from './standins/s3';
import { LOCAL_REGION } from './standins/sdk-config';
import { startSqs } from './standins/sqs';
import { checkHealth, type HealthReport } from './health';
import { redisConnectionFromEnv } from '../functions/shared/redis-config';
import { applyEnv, functionEnv, restoreEnv, runtimeConfig } from './function-env';
import { localCredentials } from './local-credentials';
import {
  API_ID,
  AUTH_KEYS_SECRET,
  AVATARS_BUCKET_NAME,
  BUCKET_NAME,
  DB_SECRET,
  DEFAULT_VISIBILITY_SECONDS,
  LOCAL_MAIL_DOMAIN,
  STAGE,
  TABLE_NAME,
} from './names';
import {
  loadSecurityHeaders,
  prepareFrontend,
  reconcileRecordings,
  runMigrationsLocally,
  scheduledEvent,
} from './startup-steps';

export interface LocalCloudOptions {
  /** Gateway port; 0 picks a free one. @default PORT or 8080 */
  port?: number;
  /** Host the gateway binds to. @default 127.0.0.1 */
  host?: string;
  /** Every stand-in keeps its state under this folder. @default DATA_DIR or .data */
  dataDir?: string;
  /** Use this Redis instead of the in-process emulation. */
  redisUrl?: string;
  /** `redisUrl` is a Redis Cluster node (as ElastiCache Serverless is). @default REDIS_CLUSTER */
  redisCluster?: boolean;
  /** Use this PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  quiet?: boolean;
  /** Run the Whisper worker as a child process. @default true */
  worker?: boolean;
  /** Where the frontend is built and served from. @default <dataDir>/frontend; `npm start` uses dist/frontend */
  frontendDir?: string;
  /** Build the frontend at start. @default true */
  buildFrontend?: boolean;
  /** Replace handler modules (tests plug small handlers in). */
  handlers?: Partial<Record<FunctionName, string>>;
  /** WebSocket idle and lifetime limits (shortened in tests). */
  websocket?: { idleTimeoutMs?: number; maxConnectionMs?: number };
  /** SQS stand-in settings (shortened in tests). */
  sqs?: { visibilityTimeoutSeconds?: number; waitTimeSeconds?: number; maxReceiveCount?: number };
  /** The Scaler schedule. @default 60 s, as the EventBridge rule */
  scheduleIntervalMs?: number;
  /** Delays between retries of failed async invocations. @default [60 s, 120 s] as Lambda */
  asyncRetryDelaysMs?: number[];
  /** DynamoDB TTL sweep period. @default 60 s */
  ttlSweepIntervalMs?: number;
  /**
   * Aurora Serverless v2's auto-pause: after `idleMs` without a Data API call the database "pauses" and the next
   * calls meet DatabaseResumingException for `resumeMs`, as in AWS (10 min idle in the Data stack, ~15 s resume).
   * @default AURORA_AUTO_PAUSE=idleSeconds:resumeSeconds, else off
   */
  auroraAutoPause?: AutoPause;
}

export interface LocalCloud {
  url: string;
  port: number;
  dataDir: string;
  /** The environment every function and the worker get (the names of docs/contracts.md). */
  env: Record<string, string>;
  health(): Promise<HealthReport>;
  /** Pauses the database now: the next Data API calls meet a resume of `resumeMs` (tests of the resume paths). */
  pauseDatabase(resumeMs?: number): void;
  stop(): Promise<void>;
}

export { AUTH_KEYS_SECRET, BUCKET_NAME, DB_NAME, DB_SECRET, TABLE_NAME } from './names';

/** The port is taken: says how to get going instead of a stack trace. */
export class PortInUseError extends Error {
  constructor(port: number) {
    super(`Port ${port} is in use — stop the other process or run PORT=${port + 1} npm start`);
    this.name = 'PortInUseError';
  }
}

/**
 * Starts the whole product on embedded stand-ins: DynamoDB (dynalite), S3 (s3rver), SQS (fauxqs), PostgreSQL
 * (PGlite or DATABASE_URL) behind the Data API emulator, Secrets Manager and Lambda Invoke emulators, Redis
 * (REDIS_URL or in-process), the gateway (frontend, HTTP API, WebSocket API, @connections), the event sources
 * and the Whisper worker. One cloud per process: the functions' SDK clients are process-wide singletons.
 */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const started = Date.now();
  const phases: Record<string, number> = {};
  const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await work;
    } finally {
      phases[name] = Date.now() - t0;
    }
  };
  const log = (line: string) => {
    if (!opts.quiet) console.log(line);
  };
  const warn = (line: string) => console.error(line);
  const dataDir = resolve(opts.dataDir ?? process.env.DATA_DIR ?? join(REPO_ROOT, '.data'));
  const unlock = lockDataDir(dataDir);
  const credentials = localCredentials(dataDir);
  const cleanups: (() => Promise<void> | void)[] = [unlock];
  const savedEnv = { ...process.env };
  cleanups.push(() => restoreEnv(savedEnv));

  // Each step gets a bounded wait: one stuck step (a long poll, a busy PGlite checkpoint on a loaded machine)
  // must not keep the others, and the data-folder lock released last, from running.
  const STEP_TIMEOUT_MS = 15_000;
  const runStopList = async () => {
    for (const cleanup of cleanups.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), STEP_TIMEOUT_MS);
        timer.unref();
      });
      try {
        const outcome = await Promise.race([Promise.resolve(cleanup()).then(() => 'done' as const), timedOut]);
        if (outcome === 'timeout')
          warn(
            `[local] shutdown step did not finish in ${STEP_TIMEOUT_MS / 1000} s: ${cleanup.toString().slice(0, 80)}`,
          );
      } catch (error) {
        warn(`[local] shutdown step failed: ${describe(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  };

  try {
    const runtime = new LambdaRuntime({
      region: LOCAL_REGION,
      modules: opts.handlers,
      asyncRetryDelaysMs: opts.asyncRetryDelaysMs,
      log: warn,
      note: log,
    });
    cleanups.push(() => runtime.drain());

    // Late-bound pieces the gateway reads per request (it listens first so a taken port fails fast).
    const late: {
      health?: () => Promise<HealthReport>;
      securityHeaders: Record<string, string>;
      runtimeConfig?: unknown;
      inbox?: () => LocalMail[];
      avatars?: AvatarReader;
    } = { securityHeaders: {} };
    let publicUrl = '';
    const frontendDir = resolve(opts.frontendDir ?? join(dataDir, 'frontend'));
    const staticFiles = new StaticFiles(frontendDir);
    const websocket = new WebSocketApi({
      runtime,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      stage: STAGE,
      domainName: () => new URL(publicUrl).host,
      idleTimeoutMs: opts.websocket?.idleTimeoutMs,
      maxConnectionMs: opts.websocket?.maxConnectionMs,
      log: warn,
    });
    const gateway = createGateway({
      runtime,
      websocket,
      credentials,
      staticFiles,
      stagePath: `/${STAGE}`,
      httpApiContext: () => ({
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        apiId: API_ID,
        domainName: new URL(publicUrl).host,
      }),
      securityHeaders: () => late.securityHeaders,
      runtimeConfig: () => late.runtimeConfig,
      inbox: () => late.inbox?.() ?? [],
      avatars: () => late.avatars,
      health: async () => {
        if (!late.health) return { ok: false, body: { status: 'starting' } };
        const report = await late.health();
        return { ok: report.ok, body: report };
      },
      log: warn,
    });
    const requestedPort = opts.port ?? Number(process.env.PORT ?? 8080);
    const port = await listen(gateway, requestedPort, opts.host ?? process.env.HOST ?? '127.0.0.1');
    cleanups.push(() => closeGateway(gateway, websocket));
    publicUrl = `http://localhost:${port}`;

    // Stand-ins start in parallel; PGlite's first start (initdb) dominates.
    const visibility = opts.sqs?.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS;
    const maxReceiveCount = opts.sqs?.maxReceiveCount ?? 3;
    const s3Events: { deliver?: (event: import('aws-lambda').S3Event) => void } = {};
    const [dynamo, s3, sqs, pg, frontend] = await Promise.all([
      timed(
        'dynamodb',
        startDynamo({
          dir: join(dataDir, 'dynamodb'),
          tableName: TABLE_NAME,
          sweepIntervalMs: opts.ttlSweepIntervalMs,
        }),
      ),
      timed(
        's3',
        startS3({
          dir: join(dataDir, 's3'),
          bucket: BUCKET_NAME,
          extraBuckets: [AVATARS_BUCKET_NAME],
          allowedOrigins: [publicUrl, `http://127.0.0.1:${port}`],
          onEvent: (event) => s3Events.deliver?.(event),
        }),
      ),
      timed(
        'sqs',
        startSqs({
          dir: join(dataDir, 'sqs'),
          queues: [
            { name: 'transcribe', visibilityTimeoutSeconds: visibility, maxReceiveCount },
            { name: 'burn-in', visibilityTimeoutSeconds: visibility, maxReceiveCount },
          ],
        }),
      ),
      timed('postgres', openPostgres(opts.databaseUrl ?? process.env.DATABASE_URL, join(dataDir, 'postgres'))),
      timed('frontend', prepareFrontend(frontendDir, opts.buildFrontend !== false)),
    ]);
    cleanups.push(
      () => dynamo.stop(),
      () => s3.stop(),
      () => sqs.stop(),
      () => pg.close(),
    );

    const secrets = new SecretsManagerEmulator(join(dataDir, 'secrets.json'), LOCAL_REGION, LOCAL_ACCOUNT_ID);
    const dataApi = new RdsDataApi(pg, { autoPause: opts.auroraAutoPause ?? autoPauseFromEnv() });
    cleanups.push(() => dataApi.close());
    const ses = new SesStandIn(join(dataDir, 'ses', 'inbox.json'), [LOCAL_MAIL_DOMAIN]);
    late.inbox = () => ses.inbox();
    late.avatars = s3AvatarReader(s3.endpoint, AVATARS_BUCKET_NAME);
    const aws = await startAwsEndpoint({ dataApi, secrets, runtime, credentials, ses });
    cleanups.push(() => aws.stop());

    const notes: string[] = [];
    const authKeysArn = await timed(
      'secrets',
      secrets.ensure(AUTH_KEYS_SECRET, async () => {
        const keys = (await import(join(REPO_ROOT, 'functions/auth/keys.ts'))) as {
          generateAuthKeySecret: () => Promise<string>;
        };
        return keys.generateAuthKeySecret();
      }),
    );
    const dbSecretArn = await secrets.ensure(DB_SECRET, () =>
      JSON.stringify({ username: 'postgres', password: 'local-only', engine: 'postgres' }),
    );

    const redisUrl = opts.redisUrl ?? process.env.REDIS_URL;
    const redisCluster =
      opts.redisCluster ?? (redisUrl ? redisConnectionFromEnv(process.env)?.cluster : false) ?? false;
    const env = functionEnv({
      publicUrl,
      port,
      credentials,
      dynamo,
      s3,
      sqs,
      aws,
      authKeysArn,
      dbSecretArn,
      redisUrl,
      redisCluster,
    });
    applyEnv(env, redisUrl);
    // Handlers open the process-wide Redis client lazily; close it on stop or a real-Redis run never lets jest exit.
    cleanups.push(() => closeRedis());

    late.securityHeaders = await loadSecurityHeaders(s3.endpoint, notes);
    late.runtimeConfig = runtimeConfig();

    // Migrations go through the same path as in AWS: the Migrate runner over the Sql port over the Data API.
    const migrations = await timed('migrations', runMigrationsLocally(log));

    const pollers = [
      new SqsPoller({
        runtime,
        functionName: 'BurnIn',
        endpoint: sqs.endpoint,
        queueUrl: sqs.queueUrls['burn-in']!,
        queueArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:burn-in`,
        waitTimeSeconds: opts.sqs?.waitTimeSeconds,
        log: warn,
      }),
    ];
    if (runtime.isAvailable('BurnIn')) for (const poller of pollers) poller.start();
    else notes.push('BurnIn handler missing: the burn-in queue is not polled');
    cleanups.push(async () => {
      for (const poller of pollers) await poller.stop();
    });

    s3Events.deliver = (event) => {
      for (const record of event.Records) {
        // The bucket notification of the media stack: ObjectCreated:* under uploads/ → Transcode.
        if (record.eventName.startsWith('ObjectCreated:') && record.s3.object.key.startsWith('uploads/')) {
          runtime.invokeAsync('Transcode', { Records: [record] });
        }
      }
    };

    const schedule = setInterval(() => {
      if (runtime.isAvailable('Scaler')) runtime.invokeAsync('Scaler', scheduledEvent());
      // The recordings lifecycle sweep: AWS runs it every 5 minutes; here it shares the Scaler's tick.
      if (runtime.isAvailable('RecordingsSweep')) runtime.invokeAsync('RecordingsSweep', scheduledEvent());
    }, opts.scheduleIntervalMs ?? 60_000);
    schedule.unref();
    cleanups.push(() => clearInterval(schedule));

    const worker = new WorkerProcess(
      join(REPO_ROOT, 'containers/whisper/src/main.ts'),
      () => ({ ...process.env, ...env }),
      opts.worker !== false,
      warn,
    );
    worker.start();
    cleanups.push(() => worker.stop());

    // Pushed before the gateway's stop, so it runs just after it: once no socket can append any more, every
    // whiteboard's live log goes into its PostgreSQL snapshot (the in-process Redis ends with this process, and a
    // board is otherwise compacted only on its next update).
    cleanups.push(async () => {
      try {
        const boards = await compactAllWhiteboards({
          whiteboardLive: new RedisWhiteboardLive(),
          whiteboardStore: new SqlWhiteboardStore(),
          now: Date.now,
        });
        if (boards > 0) log(`  whiteboard: compacted ${boards} board(s) into PostgreSQL`);
      } catch (error) {
        warn(`whiteboard compaction on stop failed: ${describe(error)}`);
      }
    });

    // Stops run in reverse: this one first. The gateway listens before the stand-ins start (a taken port fails
    // fast), but it must stop before them: close the sockets, let their $disconnects and the pending async
    // invocations finish, and only then stop DynamoDB, S3, SQS and PostgreSQL under them.
    cleanups.push(async () => {
      await websocket.stop();
      await runtime.drain();
      // What an invocation still runs after the drain (an ffmpeg transcode) ends with the cloud, as processes end
      // with a Lambda execution environment: left running, it would outlive `npm start` or a test suite.
      const stopped = stopRunningTools('because the local cloud stopped');
      if (stopped > 0) log(`stopped ${stopped} media tool(s) an unfinished invocation was running`);
    });

    const reconciled = await timed('reconcile', reconcileRecordings(notes, warn));

    const coldStartMs = Date.now() - started;
    late.health = () =>
      checkHealth({
        gatewayPort: port,
        runtime,
        websocket,
        dynamo,
        s3,
        sqs,
        pg,
        redisUrl,
        redisCluster,
        aws,
        secrets,
        authKeysSecret: AUTH_KEYS_SECRET,
        worker: worker.state,
        frontend: { ...frontend, dir: frontendDir, available: staticFiles.available },
        pollers,
        migrations,
        notes,
        reconciled,
        coldStartMs,
        phases,
        dataDir,
        sqsRestored: sqs.restored,
      });

    log(
      [
        '',
        `  Connect Now is running at ${publicUrl}  (cold start ${(coldStartMs / 1000).toFixed(1)} s)`,
        `  data: ${dataDir}   postgres: ${pg.kind}   redis: ${redisUrl ? 'url' : 'in-process'}   health: ${publicUrl}/healthz`,
        ...notes.map((n) => `  note: ${n}`),
        '',
      ].join('\n'),
    );

    let stopped: Promise<void> | undefined;
    return {
      url: publicUrl,
      port,
      dataDir,
      env,
      health: () => late.health!(),
      pauseDatabase: (resumeMs) => dataApi.pauseNow(resumeMs),
      stop: () => (stopped ??= runStopList()),
    };
  } catch (error) {
    await runStopList();
    throw error;
  }
}

/** `AURORA_AUTO_PAUSE=600:15` pauses after 10 idle minutes for a 15 s resume, like the deployed cluster. */
function autoPauseFromEnv(): AutoPause | undefined {
  const raw = process.env.AURORA_AUTO_PAUSE;
  if (!raw) return undefined;
  const match = /^(\d+):(\d+)$/.exec(raw.trim());
  if (!match) throw new Error(`AURORA_AUTO_PAUSE must be idleSeconds:resumeSeconds (e.g. 600:15), got ${raw}`);
  return { idleMs: Number(match[1]) * 1000, resumeMs: Number(match[2]) * 1000 };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

async function closeGateway(server: Server, websocket: WebSocketApi): Promise<void> {
  await websocket.stop();
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

async function openPostgres(databaseUrl: string | undefined, dir: string): Promise<PgBackend> {
  if (databaseUrl) {
    const backend = new PostgresBackend(databaseUrl);
    await backend.query('SELECT 1', []);
    return backend;
  }
  return PgliteWorkerBackend.open(dir);
}
