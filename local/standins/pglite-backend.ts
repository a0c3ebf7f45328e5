import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { PgBackend, PgParam, PgResult, PgTransaction } from './pg-backend';

/**
 * PGlite has one connection. Statements and whole transactions take turns through this queue, which is how the
 * Data API's transactions (each its own connection in Aurora) are serialized here.
 */
export class TurnQueue {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => turn);
    return ready;
  }
}

/**
 * A transaction on a single-connection backend: it holds the connection's turn from BEGIN until COMMIT or
 * ROLLBACK, so no other statement interleaves with it. `exec` runs one statement on the connection.
 */
export async function beginInTurn(
  turns: TurnQueue,
  exec: (sql: string, params: PgParam[]) => Promise<PgResult>,
): Promise<PgTransaction> {
  const release = await turns.acquire();
  let done = false;
  const finish = async (statement: string) => {
    if (done) return;
    done = true;
    try {
      await exec(statement, []);
    } finally {
      release();
    }
  };
  try {
    await exec('BEGIN', []);
  } catch (error) {
    release();
    throw error;
  }
  return {
    query: (sql, params) => (done ? Promise.reject(new Error('transaction already finished')) : exec(sql, params)),
    commit: () => finish('COMMIT'),
    rollback: () => finish('ROLLBACK'),
  };
}

export class PgliteBackend implements PgBackend {
  readonly kind = 'pglite' as const;
  private readonly turns = new TurnQueue();
  private readonly textParsers: Record<number, (x: string) => string>;

  private constructor(private readonly db: PGlite) {
    // Every type the database knows parses to its text form; types not in the map are left as text anyway.
    const identity = (x: string) => x;
    const oids = new Set<number>([
      ...Object.values(types as Record<string, unknown>).filter((v): v is number => typeof v === 'number'),
      ...Object.keys((db as unknown as { parsers: Record<string, unknown> }).parsers ?? {}).map(Number),
    ]);
    this.textParsers = Object.fromEntries([...oids].filter((o) => Number.isInteger(o)).map((o) => [o, identity]));
  }

  /** Opens (or creates, ≈ 4 s the first time) the database directory. */
  static async open(dataDir: string | undefined): Promise<PgliteBackend> {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    await db.exec("SET TimeZone = 'UTC'");
    return new PgliteBackend(db);
  }

  async query(sql: string, params: PgParam[]): Promise<PgResult> {
    const release = await this.turns.acquire();
    try {
      return await this.run(sql, params);
    } finally {
      release();
    }
  }

  begin(): Promise<PgTransaction> {
    return beginInTurn(this.turns, (sql, params) => this.run(sql, params));
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async run(sql: string, params: PgParam[]): Promise<PgResult> {
    const result = await this.db.query<unknown[]>(sql, params, {
      rowMode: 'array',
      parsers: this.textParsers,
      // Parameters are PostgreSQL text already; PGlite's serializers would re-encode them by type.
      serializers: this.textParsers,
    });
    return {
      fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      rows: result.rows.map((row) => row.map((v) => (v === null || v === undefined ? null : String(v)))),
      affectedRows: result.affectedRows ?? 0,
    };
  }
}
