import { Pool, type PoolClient } from 'pg';
import type { PgBackend, PgParam, PgResult, PgTransaction } from './pg-backend';

// Keep every value as PostgreSQL's text output: the Data API emulator shapes the types itself.
const TEXT = { getTypeParser: () => (value: string) => value };

/** Real PostgreSQL (DATABASE_URL): a small pool, one pooled connection per Data API transaction. */
export class PostgresBackend implements PgBackend {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;

  constructor(connectionString: string) {
    this.pool = new Pool({ connectionString, max: 5, options: '-c TimeZone=UTC' });
  }

  query(sql: string, params: PgParam[]): Promise<PgResult> {
    return run(this.pool, sql, params);
  }

  async begin(): Promise<PgTransaction> {
    const client = await this.pool.connect();
    let done = false;
    const finish = async (statement: string, error?: boolean) => {
      if (done) return;
      done = true;
      try {
        await client.query(statement);
        client.release();
      } catch (e) {
        client.release(error ? true : (e as Error));
        throw e;
      }
    };
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return {
      query: (sql, params) => {
        if (done) return Promise.reject(new Error('transaction already finished'));
        return run(client, sql, params);
      },
      commit: () => finish('COMMIT'),
      rollback: () => finish('ROLLBACK', true),
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function run(target: Pool | PoolClient, sql: string, params: PgParam[]): Promise<PgResult> {
  const result = await target.query({ text: sql, values: params, rowMode: 'array', types: TEXT });
  return {
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: (result.rows as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v)))),
    affectedRows: ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command) ? (result.rowCount ?? 0) : 0,
  };
}
