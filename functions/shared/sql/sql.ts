import { DataApiSql } from './data-api-sql';
import { requireEnv } from '../env';

/** What SQL parameters may carry. Dates go as TIMESTAMP, plain objects/arrays as JSON, bytes as blobs. */
export type SqlValue = string | number | boolean | null | Date | Uint8Array | object;
export type SqlParams = Record<string, SqlValue | undefined>;

/**
 * The SQL port. Statements use `:name` placeholders (the Data API's syntax) and exactly one statement per call.
 * Rows come back as plain objects, as the Data API's JSON record format gives them: timestamps as
 * 'YYYY-MM-DD HH:MM:SS[.fff]' strings (UTC), json/jsonb as strings, bigint as numbers.
 */
export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: SqlParams): Promise<number>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

let shared: Sql | undefined;

/** The process-wide SQL adapter: the RDS Data API (in AWS, or the local emulator through AWS_ENDPOINT_URL_RDS_DATA). */
export function getSql(): Sql {
  shared ??= new DataApiSql({
    resourceArn: requireEnv('DB_CLUSTER_ARN'),
    secretArn: requireEnv('DB_SECRET_ARN'),
    database: requireEnv('DB_NAME'),
  });
  return shared;
}

/** For tests that point the port at another database. */
export function setSqlForTesting(sql: Sql | undefined): void {
  shared = sql;
}
