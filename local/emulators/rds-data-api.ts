import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  asPgError,
  type PgBackend,
  type PgParam,
  type PgResult,
  type PgSession,
  type PgTransaction,
} from '../standins/pg-backend';
import { AwsServiceError, readBody, readJsonBody, sendJson, sendRestJsonError } from './aws-http';
import { toPositional } from './named-params';
import { fieldValue, jsonValue, valueBytes } from './pg-values';
import {
  DATA_API_LIMITS,
  RESULT_TOO_LARGE_MESSAGE,
  ROW_TOO_LARGE_MESSAGE,
} from '../../functions/shared/sql/data-api-limits';

interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string; // base64 on the wire
  arrayValue?: unknown;
}
interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: 'TIMESTAMP' | 'DATE' | 'TIME' | 'DECIMAL' | 'JSON' | 'UUID';
}

// The Data API binds parameters with a type (strings as varchar unless a typeHint says otherwise); casting each
// placeholder reproduces that, so SQL that would fail in Aurora ("column is of type uuid but expression is of
// type character varying") fails here too instead of being rescued by PostgreSQL's type inference.
const HINT_CASTS: Record<string, string> = {
  TIMESTAMP: 'timestamp',
  DATE: 'date',
  TIME: 'time',
  DECIMAL: 'numeric',
  JSON: 'json',
  UUID: 'uuid',
};

/** Aurora rolls back a transaction that sees no call for 3 minutes. */
const TRANSACTION_IDLE_MS = 3 * 60_000;

interface OpenTransaction {
  tx: PgTransaction;
  idle: NodeJS.Timeout;
}

/**
 * Aurora Serverless v2 at 0 ACU: after `idleMs` without a call the cluster pauses, and the first calls after that
 * fail with DatabaseResumingException for `resumeMs` while it wakes (~15 s in AWS).
 */
export interface AutoPause {
  idleMs: number;
  resumeMs: number;
}

/** Aurora's words for a call that meets a resuming cluster. */
export const RESUMING_MESSAGE =
  'The Aurora DB instance is resuming after being auto-paused. Please wait a few seconds and try again.';

/**
 * The RDS Data API (restJson1) over a PgBackend: ExecuteStatement, BatchExecuteStatement and the transaction calls,
 * with JSON or typed records and Data-API-shaped errors. No Data API emulator exists anywhere, hence this one.
 */
export class RdsDataApi {
  private readonly transactions = new Map<string, OpenTransaction>();
  private lastCallAt = Date.now();
  private resumingUntil = 0;

  constructor(
    private readonly backend: PgBackend,
    private readonly options: { transactionIdleMs?: number; autoPause?: AutoPause } = {},
  ) {}

  /** Pauses the "cluster" now (tests): the next calls meet a resume of `autoPause.resumeMs` (or `resumeMs`). */
  pauseNow(resumeMs = this.options.autoPause?.resumeMs ?? 15_000): void {
    this.resumingUntil = Date.now() + resumeMs;
  }

  /** Throws DatabaseResumingException while a paused cluster wakes; the first call after the idle period starts it. */
  private requireAwake(): void {
    const now = Date.now();
    const pause = this.options.autoPause;
    if (pause && this.resumingUntil === 0 && this.transactions.size === 0 && now - this.lastCallAt >= pause.idleMs) {
      this.resumingUntil = now + pause.resumeMs;
    }
    if (now < this.resumingUntil) throw new AwsServiceError('DatabaseResumingException', RESUMING_MESSAGE, 400);
    this.resumingUntil = 0;
    this.lastCallAt = now;
  }

  static readonly PATHS = [
    '/Execute',
    '/BatchExecute',
    '/BeginTransaction',
    '/CommitTransaction',
    '/RollbackTransaction',
  ];

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const input = readJsonBody(await readBody(req, DATA_API_LIMITS.requestBodyBytes));
      requireString(input, 'resourceArn');
      requireString(input, 'secretArn');
      this.requireAwake();
      const output = await this.dispatch(path, input);
      sendJson(res, 200, output);
    } catch (error) {
      sendRestJsonError(res, toServiceError(error));
    }
  }

  async close(): Promise<void> {
    for (const [id, open] of this.transactions) {
      clearTimeout(open.idle);
      this.transactions.delete(id);
      await open.tx.rollback().catch(() => undefined);
    }
  }

  private dispatch(path: string, input: Record<string, unknown>): Promise<unknown> {
    switch (path) {
      case '/Execute':
        return this.execute(input);
      case '/BatchExecute':
        return this.batchExecute(input);
      case '/BeginTransaction':
        return this.begin();
      case '/CommitTransaction':
        return this.finish(input, 'commit');
      case '/RollbackTransaction':
        return this.finish(input, 'rollback');
      default:
        throw new AwsServiceError('UnknownOperationException', `Unknown operation ${path}`, 404);
    }
  }

  private async execute(input: Record<string, unknown>) {
    const sql = requireString(input, 'sql');
    const { text, params } = bind(sql, (input.parameters as SqlParameter[] | undefined) ?? []);
    const result = await this.session(input.transactionId, (s) => s.query(text, params));
    requireWithinResponseLimits(result);
    const output: Record<string, unknown> = { numberOfRecordsUpdated: result.affectedRows, generatedFields: [] };
    if (input.formatRecordsAs === 'JSON') {
      // As in Aurora: JSON format replaces `records`, and a statement without a result set gives no field.
      if (result.fields.length > 0) output.formattedRecords = JSON.stringify(toObjects(result));
    } else if (result.fields.length > 0) {
      output.records = result.rows.map((row) => row.map((v, i) => fieldValue(v, result.fields[i]!)));
    }
    if (input.includeResultMetadata === true) {
      output.columnMetadata = result.fields.map((f) => ({ name: f.name, label: f.name, type: f.dataTypeID }));
    }
    return output;
  }

  private async batchExecute(input: Record<string, unknown>) {
    const sql = requireString(input, 'sql');
    const sets = (input.parameterSets as SqlParameter[][] | undefined) ?? [[]];
    const run = async (session: PgSession) => {
      const updateResults = [];
      for (const set of sets) {
        const { text, params } = bind(sql, set);
        await session.query(text, params);
        updateResults.push({ generatedFields: [] });
      }
      return { updateResults };
    };
    if (typeof input.transactionId === 'string') return this.session(input.transactionId, run);
    const tx = await this.backend.begin();
    try {
      const out = await run(tx);
      await tx.commit();
      return out;
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  }

  private async begin() {
    const tx = await this.backend.begin();
    const transactionId = randomBytes(48).toString('base64');
    this.transactions.set(transactionId, { tx, idle: this.idleTimer(transactionId) });
    return { transactionId };
  }

  private async finish(input: Record<string, unknown>, how: 'commit' | 'rollback') {
    const id = requireString(input, 'transactionId');
    const open = this.take(id);
    clearTimeout(open.idle);
    this.transactions.delete(id);
    if (how === 'commit') {
      try {
        await open.tx.commit();
      } catch (error) {
        await open.tx.rollback().catch(() => undefined);
        throw error;
      }
      return { transactionStatus: 'Transaction Committed' };
    }
    await open.tx.rollback();
    return { transactionStatus: 'Rollback Complete' };
  }

  private async session<T>(transactionId: unknown, fn: (s: PgSession) => Promise<T>): Promise<T> {
    if (transactionId === undefined || transactionId === null || transactionId === '') return fn(this.backend);
    if (typeof transactionId !== 'string') throw new AwsServiceError('BadRequestException', 'Invalid transactionId');
    const open = this.take(transactionId);
    clearTimeout(open.idle);
    try {
      return await fn(open.tx);
    } finally {
      open.idle = this.idleTimer(transactionId);
    }
  }

  private take(transactionId: string): OpenTransaction {
    const open = this.transactions.get(transactionId);
    if (!open) throw new AwsServiceError('NotFoundException', `Transaction ${transactionId} is not found`, 404);
    return open;
  }

  private idleTimer(transactionId: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const open = this.transactions.get(transactionId);
      if (!open) return;
      this.transactions.delete(transactionId);
      open.tx.rollback().catch((error) => console.error('[rds-data] idle rollback failed:', error));
    }, this.options.transactionIdleMs ?? TRANSACTION_IDLE_MS);
    timer.unref();
    return timer;
  }
}

/**
 * Aurora's Data API refuses a result set with a row over 64 KB or more than 1 MiB in all (the statement has run:
 * as in Aurora, a write it made inside a transaction stays, and outside one it is committed).
 */
function requireWithinResponseLimits(result: PgResult): void {
  let total = 0;
  for (const row of result.rows) {
    let size = 0;
    row.forEach((value, i) => (size += valueBytes(value, result.fields[i]!)));
    if (size > DATA_API_LIMITS.rowBytes) {
      throw new AwsServiceError(
        'BadRequestException',
        `${ROW_TOO_LARGE_MESSAGE}: a row of ${size} bytes; the Data API returns rows of up to ${DATA_API_LIMITS.rowBytes} bytes`,
      );
    }
    total += size;
    if (total > DATA_API_LIMITS.resultSetBytes) {
      throw new AwsServiceError(
        'BadRequestException',
        `${RESULT_TOO_LARGE_MESSAGE} (${DATA_API_LIMITS.resultSetBytes} bytes): page the query with LIMIT`,
      );
    }
  }
}

function toObjects(result: PgResult): Record<string, unknown>[] {
  return result.rows.map((row) => {
    const record: Record<string, unknown> = {};
    result.fields.forEach((field, i) => (record[field.name] = jsonValue(row[i] ?? null, field)));
    return record;
  });
}

export function bind(sql: string, parameters: SqlParameter[]): { text: string; params: PgParam[] } {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const bound = new Map<string, [PgParam, string]>();
  const boundValue = (name: string) => {
    let value = bound.get(name);
    if (!value) {
      const parameter = byName.get(name);
      if (!parameter) throw new AwsServiceError('BadRequestException', `No value specified for parameter: ${name}`);
      value = bindValue(parameter);
      bound.set(name, value);
    }
    return value;
  };
  // An untyped NULL stays a bare $n so PostgreSQL infers its type, as the Data API's setNull does.
  const { text, names } = toPositional(sql, (position, name) => {
    const cast = boundValue(name)[1];
    return cast ? `$${position}::${cast}` : `$${position}`;
  });
  return { text, params: names.map((name) => boundValue(name)[0]) };
}

function bindValue(parameter: SqlParameter): [PgParam, string] {
  const value = parameter.value ?? {};
  if (value.isNull) return [null, ''];
  if (value.booleanValue !== undefined) return [String(value.booleanValue), 'boolean'];
  if (value.longValue !== undefined) return [String(value.longValue), 'bigint'];
  if (value.doubleValue !== undefined) return [String(value.doubleValue), 'double precision'];
  if (value.blobValue !== undefined) return [`\\x${Buffer.from(value.blobValue, 'base64').toString('hex')}`, 'bytea'];
  if (value.stringValue !== undefined) {
    const hint = parameter.typeHint ? HINT_CASTS[parameter.typeHint] : undefined;
    if (parameter.typeHint && !hint) {
      throw new AwsServiceError('BadRequestException', `Invalid typeHint ${parameter.typeHint}`);
    }
    return [value.stringValue, hint ?? 'varchar'];
  }
  if (value.arrayValue !== undefined) {
    throw new AwsServiceError('BadRequestException', 'Array parameters are not supported.');
  }
  throw new AwsServiceError('BadRequestException', `Parameter ${parameter.name} has no value`);
}

function requireString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError('BadRequestException', `Parameter ${name} is required`);
  }
  return value;
}

/** PostgreSQL errors reach the client as Aurora reports them: BadRequestException with the server's message. */
function toServiceError(error: unknown): AwsServiceError {
  if (error instanceof AwsServiceError) return error;
  const pg = asPgError(error);
  if (pg) {
    let message = `ERROR: ${pg.message}`;
    if (pg.detail) message += `\n  Detail: ${pg.detail}`;
    if (pg.hint) message += `\n  Hint: ${pg.hint}`;
    if (pg.position) message += `\n  Position: ${pg.position}`;
    return new AwsServiceError('BadRequestException', `${message}; SQLState: ${pg.code}`);
  }
  console.error('[rds-data] internal error:', error);
  return new AwsServiceError('InternalServerErrorException', 'Internal error in the local Data API emulator', 500);
}
