import { BadRequestException, ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { dataApiOver, type DataApiTarget } from './data-api-harness';

/*
 * The Sql port (DataApiSql) gives the same results on PGlite and on real PostgreSQL, through the real SDK client
 * and the local Data API emulator; the shapes are the Data API's JSON record format (docs/contracts.md).
 */
const backends: Record<string, DataApiTarget> = {};

beforeAll(async () => {
  const [pglite, postgres] = await Promise.all([dataApiOver('pglite'), dataApiOver('postgres')]);
  backends.pglite = pglite;
  backends.postgres = postgres;
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

/** Runs the same scenario on both backends and returns both outcomes (value or error message). */
async function onBoth<T>(
  scenario: (b: DataApiTarget) => Promise<T>,
): Promise<{ pglite: T | string; postgres: T | string }> {
  const run = async (b: DataApiTarget) => {
    try {
      return await scenario(b);
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  };
  return { pglite: await run(backends.pglite!), postgres: await run(backends.postgres!) };
}

const ID = '6f1c2a9e-8a44-4a4f-9b0e-0a3c2d1e5f70';

describe('Data API adapter on PGlite and PostgreSQL', () => {
  it('shapes every column type identically, as the Data API JSON format does', async () => {
    const result = await onBoth(async ({ sql }) => {
      await sql.execute(
        `CREATE TABLE probe (
           id uuid PRIMARY KEY, name text, n_int integer, n_big bigint, flag boolean, ratio double precision,
           price numeric(10,2), at timestamptz, day date, doc jsonb, bytes bytea, tags text[], nothing text
         )`,
      );
      const inserted = await sql.execute(
        `INSERT INTO probe (id, name, n_int, n_big, flag, ratio, price, at, day, doc, bytes, tags, nothing)
         VALUES (:id::uuid, :name, :n, :big, :flag, :ratio, :price::numeric, :at, :day::date, :doc, :bytes, ARRAY['a','b c'], :nothing)`,
        {
          id: ID,
          name: "O'Brien ':not_a_param'",
          n: 42,
          big: 9_007_199_254_740_991,
          flag: true,
          ratio: 0.25,
          price: '12.5',
          at: new Date('2026-11-24T23:48:42.027Z'),
          day: '2026-11-24',
          doc: { nested: { list: [1, 'two'] } },
          bytes: new Uint8Array([0, 1, 254, 255]),
          nothing: null,
        },
      );
      const rows = await sql.query('SELECT * FROM probe');
      return { inserted, rows };
    });
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toEqual({
      inserted: 1,
      rows: [
        {
          id: ID,
          name: "O'Brien ':not_a_param'",
          n_int: 42,
          n_big: 9_007_199_254_740_991,
          flag: true,
          ratio: 0.25,
          price: '12.50',
          at: '2026-11-24 23:48:42.027',
          day: '2026-11-24',
          doc: '{"nested": {"list": [1, "two"]}}',
          bytes: Buffer.from([0, 1, 254, 255]).toString('base64'),
          tags: ['a', 'b c'],
          nothing: null,
        },
      ],
    });
  });

  it('reuses a named parameter and leaves :names inside literals, comments and casts alone', async () => {
    const result = await onBoth(({ sql }) =>
      sql.query(`SELECT ':skip' AS literal, :a + :a AS twice, '1'::int AS cast_ok, :off AS off -- :comment`, {
        a: 20,
        off: false,
      }),
    );
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toEqual([{ literal: ':skip', twice: 40, cast_ok: 1, off: false }]);
  });

  it('counts changed rows and commits or rolls back transactions', async () => {
    const result = await onBoth(async ({ sql }) => {
      await sql.execute('CREATE TABLE ledger (id integer PRIMARY KEY, amount integer NOT NULL)');
      await sql.transaction(async (tx) => {
        await tx.execute('INSERT INTO ledger VALUES (1, 10), (2, 20)');
      });
      const failed = await sql
        .transaction(async (tx) => {
          await tx.execute('UPDATE ledger SET amount = amount + 1');
          throw new Error('abort the transfer');
        })
        .catch((error: Error) => error.message);
      const updated = await sql.execute('UPDATE ledger SET amount = amount * 2 WHERE amount >= :min', { min: 10 });
      return { failed, updated, rows: await sql.query('SELECT * FROM ledger ORDER BY id') };
    });
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toEqual({
      failed: 'abort the transfer',
      updated: 2,
      rows: [
        { id: 1, amount: 20 },
        { id: 2, amount: 40 },
      ],
    });
  });

  it('reports PostgreSQL errors as BadRequestException with the message and SQLState, like Aurora', async () => {
    const result = await onBoth(async ({ sql }) => {
      await sql.execute('CREATE TABLE uniq (email text PRIMARY KEY)');
      await sql.execute('INSERT INTO uniq VALUES (:e)', { e: 'a@example.com' });
      await sql.execute('INSERT INTO uniq VALUES (:e)', { e: 'a@example.com' });
    });
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toMatch(
      /^BadRequestException: ERROR: duplicate key value violates unique constraint "uniq_pkey"/,
    );
    expect(result.pglite).toContain('SQLState: 23505');
  });

  it('binds strings as varchar as the Data API does, so a uuid compared without ::uuid fails on both', async () => {
    const result = await onBoth(async ({ sql }) => {
      await sql.execute('CREATE TABLE ids (id uuid PRIMARY KEY)');
      return sql.query('SELECT * FROM ids WHERE id = :id', { id: ID });
    });
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toContain('operator does not exist: uuid = character varying');
  });

  it('answers a statement without a result set with no formattedRecords, and refuses a missing parameter', async () => {
    const result = await onBoth(async ({ client, target }) => {
      const ddl = await client.send(
        new ExecuteStatementCommand({ ...target, sql: 'CREATE TABLE quiet (x int)', formatRecordsAs: 'JSON' }),
      );
      const missing = await client
        .send(new ExecuteStatementCommand({ ...target, sql: 'SELECT :absent AS x', formatRecordsAs: 'JSON' }))
        .catch((error: unknown) => error);
      return {
        formattedRecords: ddl.formattedRecords,
        missing: missing instanceof BadRequestException ? missing.message : String(missing),
      };
    });
    expect(result.pglite).toEqual(result.postgres);
    expect(result.pglite).toEqual({ formattedRecords: undefined, missing: 'No value specified for parameter: absent' });
  });
});
