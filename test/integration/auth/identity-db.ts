import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataApiSql } from '../../../functions/shared/sql/data-api-sql';
import type { Sql } from '../../../functions/shared/sql/sql';

export type BackendKind = 'pglite' | 'postgres';

export interface IdentityDb {
  kind: BackendKind;
  /** The lead's Data API adapter, talking over HTTP to the Data API emulator, which runs the SQL. */
  sql: Sql;
  stop(): Promise<void>;
}

const TSX_CLI = require.resolve('tsx/cli');
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The backends this machine offers: PGlite always (what `npm start` embeds), PostgreSQL when it answers.
 * Synchronous because jest collects `describe.each` tables before any hook runs.
 */
export function availableBackends(): BackendKind[] {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').connect(5432,'127.0.0.1');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),500)",
    ],
    { timeout: 3000 },
  );
  return probe.status === 0 ? ['pglite', 'postgres'] : ['pglite'];
}

/** Splits a migration the way the runner does: one statement per `;` at the end of a line. */
export function migrationStatements(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

/** Starts the emulator process and resolves with its port once it listens. */
function startDataApiProcess(target: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX_CLI, join(__dirname, 'data-api-server.ts'), target], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('Data API emulator did not start within 60 s'));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve({ port: (JSON.parse(line) as { port: number }).port, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Data API emulator exited with ${code}`));
    });
  });
}

/** A fresh, migrated identity database of the given kind (a random database on PostgreSQL). */
export async function startIdentityDb(kind: BackendKind): Promise<IdentityDb> {
  let target = 'pglite';
  let dropDatabase = async (): Promise<void> => undefined;
  if (kind === 'postgres') {
    const name = `cn_auth_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    target = `postgres://postgres@127.0.0.1:5432/${name}`;
    dropDatabase = async () => {
      const c = new Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const { port, child } = await startDataApiProcess(target);
  const client = new RDSDataClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const sql = new DataApiSql(
    {
      resourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:test',
      secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:test',
      database: 'connectnow',
    },
    client,
  );
  const migration = join(__dirname, '../../../functions/migrate/migrations/0001_identity.sql');
  for (const statement of migrationStatements(migration)) await sql.execute(statement);
  return {
    kind,
    sql,
    stop: async () => {
      client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
      await dropDatabase();
    },
  };
}
