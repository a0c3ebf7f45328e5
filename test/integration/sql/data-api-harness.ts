import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { Client } from 'pg';
import { RdsDataApi } from '../../../local/emulators/rds-data-api';
import { closeServer, listenLoopback } from '../../../local/standins/listen';
import type { PgBackend } from '../../../local/standins/pg-backend';
import { PgliteWorkerBackend } from '../../../local/standins/pglite-worker-backend';
import { PostgresBackend } from '../../../local/standins/postgres-backend';
import { DataApiSql } from '../../../functions/shared/sql/data-api-sql';
import { POSTGRES_ADMIN_URL } from '../../support/postgres';

export interface DataApiTarget {
  sql: DataApiSql;
  client: RDSDataClient;
  target: { resourceArn: string; secretArn: string; database: string };
  close(): Promise<void>;
}

/**
 * The lead's DataApiSql adapter → the real RDSDataClient → the local Data API emulator → one backend:
 * PGlite (in memory) or real PostgreSQL in a throw-away database.
 */
export async function dataApiOver(kind: 'pglite' | 'postgres'): Promise<DataApiTarget> {
  let backend: PgBackend;
  let dropDatabase = async () => undefined as void;
  if (kind === 'pglite') {
    backend = await PgliteWorkerBackend.open(undefined);
  } else {
    const name = `cn_sql_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    backend = new PostgresBackend(url.toString());
    dropDatabase = async () => {
      const cleanup = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    };
  }
  const api = new RdsDataApi(backend);
  const server = createServer((req, res) => void api.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname));
  const port = await listenLoopback(server);
  const client = new RDSDataClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const target = {
    resourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:test',
    secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:test-AbCdEf',
    database: 'test',
  };
  return {
    sql: new DataApiSql(target, client),
    client,
    target,
    close: async () => {
      client.destroy();
      await closeServer(server);
      await api.close();
      await backend.close();
      await dropDatabase();
    },
  };
}
