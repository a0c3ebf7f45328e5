import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PgBackend, PgParam, PgResult, PgTransaction } from './pg-backend';
import { beginInTurn, TurnQueue } from './pglite-backend';

const STALL_WARNING_MS = 5000;

type Reply = { id: number; result?: PgResult; error?: Record<string, unknown> };

/** A PostgreSQL error re-created from the worker's message, with the fields the Data API reports. */
class WorkerPgError extends Error {
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    Object.assign(this, fields);
  }
}

/**
 * PGlite in a worker thread (see pglite-worker.cjs for why). Same single-connection rules as PgliteBackend:
 * statements and whole transactions take turns.
 */
export class PgliteWorkerBackend implements PgBackend {
  readonly kind = 'pglite' as const;
  private readonly turns = new TurnQueue();
  private readonly waiting = new Map<number, { resolve: (r: PgResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.error) waiter.reject(new WorkerPgError(reply.error));
      else waiter.resolve(reply.result!);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`PGlite worker exited (code ${code})`)));
  }

  /**
   * Opens the database directory (undefined = in memory). A new directory starts as a copy of a freshly
   * initialised one kept in node_modules/.cache: initdb in WASM takes 4–9 s here, copying its 39 MB ≈ 0.2 s.
   */
  static async open(
    dataDir: string | undefined,
    options: { templateDir?: string | null } = {},
  ): Promise<PgliteWorkerBackend> {
    if (dataDir) {
      const template = options.templateDir === undefined ? defaultTemplateDir() : options.templateDir;
      if (template && isEmpty(dataDir)) {
        await ensureTemplate(template);
        cpSync(template, dataDir, { recursive: true });
      }
      mkdirSync(dataDir, { recursive: true });
    }
    return PgliteWorkerBackend.start(dataDir);
  }

  private static async start(dataDir: string | undefined): Promise<PgliteWorkerBackend> {
    const worker = new Worker(join(__dirname, 'pglite-worker.cjs'), { workerData: { dataDir } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { ready?: boolean; fatal?: string }) => {
        worker.off('error', reject);
        if (message.ready) resolve();
        else reject(new Error(`PGlite failed to start: ${message.fatal}`));
      });
    });
    return new PgliteWorkerBackend(worker);
  }

  async query(sql: string, params: PgParam[]): Promise<PgResult> {
    const release = await this.waitForTurn(sql);
    try {
      return await this.send(sql, params);
    } finally {
      release();
    }
  }

  begin(): Promise<PgTransaction> {
    return beginInTurn(this.turns, (sql, params) => this.send(sql, params));
  }

  /**
   * Aurora gives each transaction its own connection; PGlite has one. Code that runs a statement outside its own
   * open transaction (through another Sql instance) works in AWS but waits here until the transaction's idle
   * rollback, so say so instead of hanging silently.
   */
  private async waitForTurn(sql: string): Promise<() => void> {
    const timer = setTimeout(() => {
      console.error(
        `[pglite] a statement has waited ${STALL_WARNING_MS / 1000} s for PGlite's single connection, held by an open ` +
          `transaction. If the code runs it outside its own transaction (another Sql instance), Aurora would allow ` +
          `it but PGlite cannot; use the transaction's Sql or DATABASE_URL. Statement: ${sql.slice(0, 120)}`,
      );
    }, STALL_WARNING_MS);
    timer.unref();
    try {
      return await this.turns.acquire();
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.failure) {
      const id = this.nextId++;
      await new Promise<unknown>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        this.worker.postMessage({ id, op: 'close' });
      }).catch(() => undefined);
    }
    await this.worker.terminate();
  }

  private send(sql: string, params: PgParam[]): Promise<PgResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op: 'query', sql, params });
    });
  }
}

function defaultTemplateDir(): string {
  const modules = join(__dirname, '..', '..', 'node_modules');
  const { version } = JSON.parse(readFileSync(join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as {
    version: string;
  };
  return join(modules, '.cache', 'connect-now', `pglite-${version}-initdb`);
}

function isEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Builds the template once: initdb in a scratch directory, clean shutdown, then an atomic rename into place. */
async function ensureTemplate(template: string): Promise<void> {
  if (existsSync(join(template, 'PG_VERSION'))) return;
  const scratch = `${template}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(scratch, { recursive: true });
  try {
    const backend = await PgliteWorkerBackend.open(scratch, { templateDir: null });
    await backend.close();
    try {
      renameSync(scratch, template);
    } catch (error) {
      // Another process won the race; its template is as good as ours.
      if (!existsSync(join(template, 'PG_VERSION'))) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
