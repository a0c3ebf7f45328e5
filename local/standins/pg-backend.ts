/**
 * The port the Data API emulator runs SQL through. Values come back as PostgreSQL's text output (never parsed
 * by a driver), so PGlite and real PostgreSQL give byte-identical results and the emulator alone decides how
 * each type is shaped, as the Data API does.
 */
export interface PgField {
  name: string;
  dataTypeID: number;
}

export interface PgResult {
  fields: PgField[];
  rows: (string | null)[][];
  /** Rows changed by INSERT/UPDATE/DELETE (0 for other statements). */
  affectedRows: number;
}

export interface PgSession {
  query(sql: string, params: PgParam[]): Promise<PgResult>;
}

/** A bound parameter: its text form (or null) and the PostgreSQL type it is cast to in the statement. */
export type PgParam = string | null;

export interface PgTransaction extends PgSession {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface PgBackend extends PgSession {
  readonly kind: 'pglite' | 'postgres';
  /** Starts a transaction on a connection of its own; other statements wait or use another connection. */
  begin(): Promise<PgTransaction>;
  close(): Promise<void>;
}

/** A PostgreSQL error with the fields the Data API puts into its message. */
export interface PgError {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

export function asPgError(error: unknown): PgError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  return {
    message: String(e.message),
    code: e.code,
    detail: typeof e.detail === 'string' ? e.detail : undefined,
    hint: typeof e.hint === 'string' ? e.hint : undefined,
    position: e.position === undefined ? undefined : String(e.position),
  };
}
