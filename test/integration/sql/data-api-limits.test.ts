import { BadRequestException, ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import {
  DATA_API_LIMITS,
  RESULT_TOO_LARGE_MESSAGE,
  ROW_TOO_LARGE_MESSAGE,
} from '../../../functions/shared/sql/data-api-limits';
import { dataApiOver, type DataApiTarget } from './data-api-harness';

/*
 * The local Data API refuses what Aurora's refuses (functions/shared/sql/data-api-limits.ts): a result row over
 * 64 KB, a result set over 1 MiB, a request body over 4 MB. Before these limits the whiteboard kept its whole
 * snapshot in one bytea row, which every test read back here and which Aurora would have refused past ~48 KB.
 */
const backends: DataApiTarget[] = [];

beforeAll(async () => {
  backends.push(...(await Promise.all([dataApiOver('pglite'), dataApiOver('postgres')])));
  for (const { sql } of backends) {
    await sql.execute('CREATE TABLE blobs (id integer PRIMARY KEY, body text NOT NULL, bytes bytea)');
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const KB = 1024;

describe.each(['pglite', 'postgres'])('the local Data API on %s keeps Aurora Data API limits', (kind) => {
  const target = () => backends[kind === 'pglite' ? 0 : 1]!;

  beforeEach(async () => {
    await target().sql.execute('DELETE FROM blobs');
  });

  it('returns a row of just under 64 KB and refuses one over it, text or bytea, as "Packet for query is too large"', async () => {
    const { sql } = target();
    await sql.execute('INSERT INTO blobs (id, body) VALUES (1, :body)', { body: 'a'.repeat(60 * KB) });
    await sql.execute('INSERT INTO blobs (id, body, bytes) VALUES (2, :body, :bytes)', {
      body: 'b',
      bytes: new Uint8Array(DATA_API_LIMITS.rowBytes + 1),
    });
    const [fits] = await sql.query<{ body: string }>('SELECT body FROM blobs WHERE id = 1');
    expect(fits!.body).toHaveLength(60 * KB);
    await expect(sql.query("SELECT body || repeat('c', 8192) AS body FROM blobs WHERE id = 1")).rejects.toThrow(
      ROW_TOO_LARGE_MESSAGE,
    );
    // bytea counts by its bytes, not by PostgreSQL's hex text (twice as long).
    await expect(sql.query('SELECT bytes FROM blobs WHERE id = 2')).rejects.toThrow(ROW_TOO_LARGE_MESSAGE);
    const [half] = await sql.query<{ bytes: string }>(
      'SELECT substring(bytes FROM 1 FOR 40000) AS bytes FROM blobs WHERE id = 2',
    );
    expect(Buffer.from(half!.bytes, 'base64')).toHaveLength(40_000);
  });

  it('refuses a result set over 1 MiB, and the same rows read in pages pass', async () => {
    const { sql, client, target: arns } = target();
    for (let id = 0; id < 20; id += 1) {
      await sql.execute('INSERT INTO blobs (id, body) VALUES (:id, :body)', { id, body: 'x'.repeat(60 * KB) });
    }
    const error = await client
      .send(new ExecuteStatementCommand({ ...arns, sql: 'SELECT body FROM blobs', formatRecordsAs: 'JSON' }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toContain(RESULT_TOO_LARGE_MESSAGE);
    let read = 0;
    for (let from = 0; from < 20; from += 10) {
      const page = await sql.query('SELECT body FROM blobs ORDER BY id LIMIT 10 OFFSET :from', { from });
      read += page.length;
    }
    expect(read).toBe(20);
  });

  it('refuses a request body over 4 MB and stores nothing of it', async () => {
    const { sql } = target();
    const tooLarge = new Uint8Array(DATA_API_LIMITS.requestBodyBytes); // 4/3 of it as base64 in the JSON body
    await expect(
      sql.execute('INSERT INTO blobs (id, body, bytes) VALUES (7, :body, :bytes)', { body: 'big', bytes: tooLarge }),
    ).rejects.toThrow(/too large/i);
    expect(await sql.query('SELECT id FROM blobs WHERE id = 7')).toEqual([]);
  });
});
