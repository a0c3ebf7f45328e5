import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../shared/sql/sql';

export interface Migration {
  /** File name without .sql, e.g. `0001_identity`; the order is the file name order. */
  version: string;
  statements: string[];
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/** A migration file changed after it was applied somewhere: fix forward with a new file instead. */
export class MigrationChecksumError extends Error {
  constructor(version: string) {
    super(`Migration ${version} was changed after it was applied; add a new migration file instead of editing it`);
    this.name = 'MigrationChecksumError';
  }
}

const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;

/** Where the .sql files are: next to this module, or MIGRATIONS_DIR when the bundle copies them elsewhere. */
export function migrationsDir(): string {
  return process.env.MIGRATIONS_DIR ?? join(__dirname, 'migrations');
}

export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((name) => FILE_NAME.test(name))
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return {
        version: name.replace(/\.sql$/, ''),
        statements: splitStatements(text),
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}

/**
 * The Data API runs one statement per call, so files are split on `;` at the end of a line (docs/contracts.md:
 * no `$$` bodies). Comment-only chunks are dropped.
 */
export function splitStatements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:--[^\n]*)?\r?\n|;[ \t]*$/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}

// Any constant works; two runners (two deploys, or npm start twice) queue on it instead of racing.
const LOCK_KEY = 734_001;

/**
 * Applies every migration not yet recorded in schema_migrations, each in its own transaction together with its
 * record, so a failure leaves the database at the last complete migration. Safe to run on every deploy and
 * every `npm start`: applied migrations are skipped, edited ones are refused.
 */
export async function runMigrations(sql: Sql, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  await sql.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version text PRIMARY KEY,
       checksum text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const applied = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(:key)', { key: LOCK_KEY });
      const [existing] = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = :version',
        { version: migration.version },
      );
      if (existing) {
        if (existing.checksum !== migration.checksum) throw new MigrationChecksumError(migration.version);
        return false;
      }
      for (const statement of migration.statements) await tx.execute(statement);
      await tx.execute('INSERT INTO schema_migrations (version, checksum) VALUES (:version, :checksum)', {
        version: migration.version,
        checksum: migration.checksum,
      });
      return true;
    });
    (applied ? report.applied : report.alreadyApplied).push(migration.version);
  }
  return report;
}
