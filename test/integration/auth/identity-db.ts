import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { loadMigrations, splitStatements } from '../../../functions/migrate/migrate';
import { postgresAnswers, startDataApiProcess, type BackendKind } from '../../support/data-api-process';
import { DataApiSql } from '../../../functions/shared/sql/data-api-sql';
import type { Sql } from '../../../functions/shared/sql/sql';
import { databaseUrl, POSTGRES_ADMIN_URL } from '../../support/postgres';

export interface IdentityDb {
  kind: BackendKind;
  /** The lead's Data API adapter, talking over HTTP to the Data API emulator, which runs the SQL. */
  sql: Sql;
  stop(): Promise<void>;
}

const IDENTITY_MIGRATIONS = ['0001_identity', '0006_email_accounts', '0008_account_changes', '0009_avatars'];

/**
 * The backends this machine offers: PGlite always (what `npm start` embeds), PostgreSQL when it answers.
 * Synchronous because jest collects `describe.each` tables before any hook runs.
 */
export type { BackendKind };

/** A migration file's statements, split exactly as the runner splits them. */
export function migrationStatements(file: string): string[] {
  return splitStatements(readFileSync(file, 'utf8'));
}

export function availableBackends(): BackendKind[] {
  return postgresAnswers() ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, migrated identity database of the given kind (a random database on PostgreSQL). */
export async function startIdentityDb(kind: BackendKind): Promise<IdentityDb> {
  let target = 'pglite';
  let dropDatabase = async (): Promise<void> => undefined;
  if (kind === 'postgres') {
    const name = `cn_auth_${randomBytes(6).toString('hex')}`;
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
  // The migrations of the identity tables, in order (room and recording tests add their own on top).
  for (const migration of loadMigrations().filter((m) => IDENTITY_MIGRATIONS.includes(m.version))) {
    for (const statement of migration.statements) await sql.execute(statement);
  }
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
