import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { Client } from 'pg';
import { splitStatements } from '../../../functions/migrate/migrate';
import { postgresAnswers, startDataApiProcess, type BackendKind } from '../../support/data-api-process';
import { DataApiSql } from '../../../functions/shared/sql/data-api-sql';
import type { Sql } from '../../../functions/shared/sql/sql';
import { startS3, type S3StandIn } from '../../../local/standins/s3';
import { startSqs, type SqsStandIn } from '../../../local/standins/sqs';
import { databaseUrl, POSTGRES_ADMIN_URL } from '../../support/postgres';

export const BUCKET = 'recordings-test';
export const CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:test';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:test';
// s3rver only knows its built-in key pair (S3RVER/S3RVER); the other stand-ins accept any key.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** PostgreSQL when it answers on 127.0.0.1:5432 (faster, and the real engine), else PGlite (what npm start embeds). */
function migrationStatements(file: string): string[] {
  return splitStatements(readFileSync(file, 'utf8'));
}

export function preferredBackend(): BackendKind {
  return postgresAnswers() ? 'postgres' : 'pglite';
}

export interface StandIns {
  backend: BackendKind;
  sql: Sql;
  s3: S3Client;
  sqs: SQSClient;
  s3Endpoint: string;
  sqsEndpoint: string;
  dataApiEndpoint: string;
  queueUrl: string;
  dlqUrl: string;
  /** S3 notifications seen so far (the local gateway would hand them to the Transcode function). */
  s3Events: S3Event[];
  /** Environment for a worker process or handler pointing at these stand-ins. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * s3rver, fauxqs (transcribe queue + DLQ) and the Data API emulator over a fresh database with the recordings migrations applied —
 * the stand-ins `npm start` runs, started by the local/ modules themselves.
 */
export async function startStandIns(options: {
  backend?: BackendKind;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}): Promise<StandIns> {
  const backend = options.backend ?? preferredBackend();
  const dir = mkdtempSync(join(tmpdir(), 'recordings-it-'));
  const s3Events: S3Event[] = [];
  const s3: S3StandIn = await startS3({
    dir: join(dir, 's3'),
    bucket: BUCKET,
    allowedOrigins: ['http://localhost'],
    onEvent: (e) => s3Events.push(e),
  });
  const sqsStandIn: SqsStandIn = await startSqs({
    dir: join(dir, 'sqs'),
    queues: [
      {
        name: 'transcribe',
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        maxReceiveCount: options.maxReceiveCount,
      },
    ],
    snapshotIntervalMs: 60_000,
  });

  let target = 'pglite';
  let dropDatabase = async (): Promise<void> => undefined;
  if (backend === 'postgres') {
    const name = `cn_rec_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    target = databaseUrl(name);
    dropDatabase = async () => {
      const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const dataApi = await startDataApiProcess(target);
  const dataApiEndpoint = `http://127.0.0.1:${dataApi.port}`;
  const sql = new DataApiSql(
    { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, database: 'connectnow' },
    new RDSDataClient({ endpoint: dataApiEndpoint, region: 'us-east-1', credentials: CREDENTIALS }),
  );
  for (const file of ['0003_recordings.sql', '0004_recording_lifecycle.sql']) {
    const migration = join(__dirname, '../../../functions/migrate/migrations', file);
    for (const statement of migrationStatements(migration)) await sql.execute(statement);
  }

  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sqsClient = new SQSClient({ endpoint: sqsStandIn.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  return {
    backend,
    sql,
    s3: s3Client,
    sqs: sqsClient,
    s3Endpoint: s3.endpoint,
    sqsEndpoint: sqsStandIn.endpoint,
    dataApiEndpoint,
    queueUrl: sqsStandIn.queueUrls.transcribe!,
    dlqUrl: sqsStandIn.queueUrls['transcribe-dlq']!,
    s3Events,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsStandIn.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: dataApiEndpoint,
      S3_FORCE_PATH_STYLE: 'true',
      DB_CLUSTER_ARN: CLUSTER_ARN,
      DB_SECRET_ARN: SECRET_ARN,
      DB_NAME: 'connectnow',
      RECORDINGS_BUCKET: BUCKET,
      TRANSCRIBE_QUEUE_URL: sqsStandIn.queueUrls.transcribe!,
    },
    stop: async () => {
      s3Client.destroy();
      sqsClient.destroy();
      dataApi.child.stdin?.end();
      await new Promise((resolve) => {
        if (dataApi.child.exitCode !== null) resolve(null);
        else dataApi.child.once('exit', resolve);
      });
      await dropDatabase();
      await sqsStandIn.stop();
      await s3.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const TSX = require.resolve('tsx/cli');
