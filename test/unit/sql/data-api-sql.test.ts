import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseResumingException,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { ServiceUnavailable } from '../../../functions/shared/errors';
import { errorResult } from '../../../functions/shared/http';
import { DataApiSql } from '../../../functions/shared/sql/data-api-sql';
import { DATABASE_RESUME_BUDGET_MS } from '../../../functions/shared/sql/resume-budget';

/* Request and response shapes of the Sql port's Data API adapter, against a mocked RDSDataClient. */
const target = { resourceArn: 'arn:aws:rds:us-east-1:1:cluster:c', secretArn: 'arn:secret', database: 'db' };
const rds = mockClient(RDSDataClient);
const sql = () => new DataApiSql(target, new RDSDataClient({ region: 'us-east-1' }));

beforeEach(() => rds.reset());

it('sends one ExecuteStatement in JSON record format with typed parameters and parses formattedRecords', async () => {
  rds.on(ExecuteStatementCommand).resolves({ formattedRecords: '[{"id":1,"at":"2026-01-02 03:04:05.006"}]' });
  const rows = await sql().query('SELECT * FROM t WHERE a = :a', {
    text: 'x',
    int: 7,
    float: 1.5,
    yes: false,
    nothing: null,
    skipped: undefined,
    at: new Date('2026-01-02T03:04:05.006Z'),
    doc: { k: [1] },
    bytes: new Uint8Array([1, 2]),
  });
  expect(rows).toEqual([{ id: 1, at: '2026-01-02 03:04:05.006' }]);
  const input = rds.commandCalls(ExecuteStatementCommand)[0]!.args[0].input;
  expect(input).toMatchObject({ ...target, sql: 'SELECT * FROM t WHERE a = :a', formatRecordsAs: 'JSON' });
  expect(input.transactionId).toBeUndefined();
  expect(input.parameters).toEqual([
    { name: 'text', value: { stringValue: 'x' } },
    { name: 'int', value: { longValue: 7 } },
    { name: 'float', value: { doubleValue: 1.5 } },
    { name: 'yes', value: { booleanValue: false } },
    { name: 'nothing', value: { isNull: true } },
    { name: 'at', value: { stringValue: '2026-01-02 03:04:05.006' }, typeHint: 'TIMESTAMP' },
    { name: 'doc', value: { stringValue: '{"k":[1]}' }, typeHint: 'JSON' },
    { name: 'bytes', value: { blobValue: new Uint8Array([1, 2]) } },
  ]);
});

it('returns [] when a statement has no result set and numberOfRecordsUpdated from execute', async () => {
  rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 3 });
  expect(await sql().query('UPDATE t SET a = 1')).toEqual([]);
  expect(await sql().execute('UPDATE t SET a = 1')).toBe(3);
});

it('runs a transaction as Begin, statements with the transactionId, Commit', async () => {
  rds.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
  rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 1 });
  rds.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
  const out = await sql().transaction(async (tx) => {
    await tx.execute('INSERT INTO t VALUES (1)');
    return tx.transaction(async (inner) => inner.execute('INSERT INTO t VALUES (2)'));
  });
  expect(out).toBe(1);
  expect(rds.commandCalls(BeginTransactionCommand)).toHaveLength(1);
  expect(rds.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.transactionId)).toEqual(['tx-1', 'tx-1']);
  expect(rds.commandCalls(CommitTransactionCommand)[0]!.args[0].input).toMatchObject({ transactionId: 'tx-1' });
  expect(rds.commandCalls(RollbackTransactionCommand)).toHaveLength(0);
});

it('rolls back and rethrows the original error when the transaction body fails', async () => {
  rds.on(BeginTransactionCommand).resolves({ transactionId: 'tx-2' });
  rds.on(RollbackTransactionCommand).rejects(new Error('rollback failed too'));
  await expect(
    sql().transaction(async () => {
      throw new Error('business rule broken');
    }),
  ).rejects.toThrow('business rule broken');
  expect(rds.commandCalls(RollbackTransactionCommand)[0]!.args[0].input).toMatchObject({ transactionId: 'tx-2' });
  expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(0);
});

it('retries while Aurora resumes from 0 ACU, and only then', async () => {
  rds
    .on(ExecuteStatementCommand)
    .rejectsOnce(new DatabaseResumingException({ message: 'resuming', $metadata: {} }))
    .resolves({ formattedRecords: '[{"ok":true}]' });
  expect(await sql().query('SELECT true AS ok')).toEqual([{ ok: true }]);
  expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(2);

  rds.reset();
  rds.on(ExecuteStatementCommand).rejects(new Error('syntax error'));
  await expect(sql().query('SELEC 1')).rejects.toThrow('syntax error');
  expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
});

it('past the resume budget answers a clear, retryable 503 instead of a timeout or a 500', async () => {
  jest.useFakeTimers();
  try {
    rds.on(ExecuteStatementCommand).rejects(new DatabaseResumingException({ message: 'resuming', $metadata: {} }));
    const outcome = sql()
      .query('SELECT 1')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await jest.advanceTimersByTimeAsync(DATABASE_RESUME_BUDGET_MS + 5_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(ServiceUnavailable);
    const answer = errorResult(error);
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'retry-after': '10' });
    expect(JSON.parse(String(answer.body)).error).toMatchObject({
      code: 'database-starting',
      message: expect.stringMatching(/starting up/),
    });
  } finally {
    jest.useRealTimers();
  }
});
