import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type Field,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { rdsData } from '../aws-clients';
import type { Sql, SqlParams, SqlValue } from './sql';
import { DATABASE_RESUME_MAX_BACKOFF_MS, DATABASE_RESUME_RETRY_MS } from './resume-budget';
import { ServiceUnavailable } from '../errors';

export interface DataApiTarget {
  resourceArn: string;
  secretArn: string;
  database: string;
}

/**
 * The Sql port over the RDS Data API. No VPC, no connection pool: each statement is one HTTPS call, which is what
 * lets Lambdas outside the VPC use Aurora and lets the cluster pause at 0 ACU.
 */
export class DataApiSql implements Sql {
  constructor(
    private readonly target: DataApiTarget,
    private readonly client: RDSDataClient = rdsData(),
    private readonly transactionId?: string,
  ) {}

  async query<T = Record<string, unknown>>(sql: string, params: SqlParams = {}): Promise<T[]> {
    const out = await this.run(sql, params);
    return out.formattedRecords ? (JSON.parse(out.formattedRecords) as T[]) : [];
  }

  async execute(sql: string, params: SqlParams = {}): Promise<number> {
    const out = await this.run(sql, params);
    return out.numberOfRecordsUpdated ?? 0;
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.transactionId) return fn(this); // already inside one: join it
    const { transactionId } = await resumeAware(() =>
      this.client.send(new BeginTransactionCommand({ ...this.target })),
    );
    const tx = new DataApiSql(this.target, this.client, transactionId);
    try {
      const result = await fn(tx);
      await this.client.send(
        new CommitTransactionCommand({
          resourceArn: this.target.resourceArn,
          secretArn: this.target.secretArn,
          transactionId,
        }),
      );
      return result;
    } catch (error) {
      await this.client
        .send(
          new RollbackTransactionCommand({
            resourceArn: this.target.resourceArn,
            secretArn: this.target.secretArn,
            transactionId,
          }),
        )
        .catch(() => undefined); // the original error is the one worth reporting
      throw error;
    }
  }

  private run(sql: string, params: SqlParams) {
    return resumeAware(() =>
      this.client.send(
        new ExecuteStatementCommand({
          ...this.target,
          sql,
          parameters: toParameters(params),
          transactionId: this.transactionId,
          formatRecordsAs: 'JSON',
        }),
      ),
    );
  }
}

export const DATABASE_STARTING_MESSAGE = 'The database is starting up after a quiet period; try again in a few seconds';

/**
 * Aurora Serverless v2 at 0 ACU pauses; the first statement after a pause fails with DatabaseResumingException
 * while it wakes (typically < 15 s). Retry those, and only those.
 */
async function resumeAware<T>(call: () => Promise<T>, deadlineMs = DATABASE_RESUME_RETRY_MS): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'DatabaseResumingException') throw error;
      // Past the budget the caller gets a clear, retryable answer (HTTP 503 with Retry-After, a socket error)
      // rather than a timeout or an opaque 500.
      if (Date.now() - started > deadlineMs)
        throw new ServiceUnavailable(DATABASE_STARTING_MESSAGE, 10, 'database-starting');
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, DATABASE_RESUME_MAX_BACKOFF_MS)));
    }
  }
}

export function toParameters(params: SqlParams): SqlParameter[] {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => toParameter(name, value as SqlValue));
}

function toParameter(name: string, value: SqlValue): SqlParameter {
  if (value === null) return { name, value: { isNull: true } };
  if (typeof value === 'string') return { name, value: { stringValue: value } };
  if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
  if (typeof value === 'number') {
    const field: Field = Number.isInteger(value) ? { longValue: value } : { doubleValue: value };
    return { name, value: field };
  }
  if (value instanceof Date) {
    // The Data API wants 'YYYY-MM-DD HH:MM:SS[.FFF]' with the TIMESTAMP hint; we store UTC everywhere.
    return {
      name,
      value: { stringValue: value.toISOString().replace('T', ' ').replace('Z', '') },
      typeHint: 'TIMESTAMP',
    };
  }
  if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
  return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}
