import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Context } from 'aws-lambda';
import { FUNCTION_MODULES, FUNCTION_TIMEOUT_SECONDS, REPO_ROOT, type FunctionName } from './functions';
import { LAMBDA_PAYLOAD_LIMITS } from '../../functions/shared/lambda-limits';

export const LOCAL_ACCOUNT_ID = '000000000000';

type Handler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/** The function's module file does not exist yet: the gateway answers 501 and /healthz lists it. */
export class FunctionMissingError extends Error {
  constructor(
    readonly functionName: string,
    readonly modulePath: string,
  ) {
    super(`${functionName} is not available: ${modulePath} does not exist (yet)`);
    this.name = 'FunctionMissingError';
  }
}

/** The handler ran longer than its configured timeout, as Lambda reports it. */
export class FunctionTimeoutError extends Error {
  constructor(functionName: string, seconds: number) {
    super(`${functionName}: Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

/** Lambda refuses an invocation whose event passes the payload limit, before the function runs. */
export class RequestTooLargeError extends Error {
  constructor(functionName: string, bytes: number, limit: number) {
    super(`${functionName}: RequestEntityTooLargeException: the event is ${bytes} bytes, over Lambda's ${limit}`);
    this.name = 'RequestTooLargeError';
  }
}

/**
 * The function ran, but its result passes the 6 MB limit: Lambda answers with this function error (its type and
 * words) instead of the result, and API Gateway with a 500.
 */
export class ResponseTooLargeError extends Error {
  constructor() {
    super(`Response payload size exceeded maximum allowed payload size (${LAMBDA_PAYLOAD_LIMITS.syncBytes} bytes).`);
    this.name = 'Function.ResponseSizeTooLarge';
  }
}

const jsonBytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? ''));

export interface FunctionState {
  module: string;
  status: 'not-loaded' | 'loaded' | 'missing' | 'load-error';
  error?: string;
  invocations: number;
  errors: number;
}

export interface LambdaRuntimeOptions {
  region: string;
  /** Override module paths (tests plug small handler modules in here). Relative paths are from the repo root. */
  modules?: Partial<Record<FunctionName, string>>;
  /** Retry delays for async (Event) invocations; Lambda retries twice, about 1 and 2 minutes apart. */
  asyncRetryDelaysMs?: number[];
  log?: (line: string) => void;
  /**
   * For what is expected rather than wrong: an async invocation the stop interrupted (its tools are ended with the
   * cloud, as a Lambda's are with its execution environment). @default log
   */
  note?: (line: string) => void;
}

/**
 * Runs the unchanged handler modules in this process, one Lambda "container" each: loaded lazily on first use
 * (so a feature that is not written yet does not stop the rest), with a Lambda-like context and timeout.
 */
export class LambdaRuntime {
  private readonly paths: Record<FunctionName, string>;
  private readonly handlers = new Map<FunctionName, Promise<Handler>>();
  private readonly state = new Map<FunctionName, FunctionState>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly retryDelays: number[];
  private stopped = false;

  constructor(private readonly options: LambdaRuntimeOptions) {
    const paths = {} as Record<FunctionName, string>;
    for (const name of Object.keys(FUNCTION_MODULES) as FunctionName[]) {
      const path = options.modules?.[name] ?? FUNCTION_MODULES[name];
      paths[name] = isAbsolute(path) ? path : join(REPO_ROOT, path);
      this.state.set(name, { module: paths[name], status: 'not-loaded', invocations: 0, errors: 0 });
    }
    this.paths = paths;
    this.retryDelays = options.asyncRetryDelaysMs ?? [60_000, 120_000];
  }

  isAvailable(name: FunctionName): boolean {
    return existsSync(this.paths[name]);
  }

  /** Per-function status for /healthz. Missing files are reported without trying to load them. */
  describe(): Record<string, FunctionState> {
    const out: Record<string, FunctionState> = {};
    for (const [name, state] of this.state) {
      const status = state.status === 'not-loaded' && !existsSync(state.module) ? 'missing' : state.status;
      out[name] = { ...state, status };
    }
    return out;
  }

  /** RequestResponse invocation: resolves with the handler's result, rejects with its error. */
  invoke(name: FunctionName, event: unknown): Promise<unknown> {
    const bytes = jsonBytes(event);
    if (bytes > LAMBDA_PAYLOAD_LIMITS.syncBytes) {
      return Promise.reject(new RequestTooLargeError(name, bytes, LAMBDA_PAYLOAD_LIMITS.syncBytes));
    }
    return this.run(name, event);
  }

  private async run(name: FunctionName, event: unknown): Promise<unknown> {
    const handler = await this.load(name);
    const state = this.state.get(name)!;
    state.invocations++;
    const timeoutSeconds = FUNCTION_TIMEOUT_SECONDS[name];
    const deadline = Date.now() + timeoutSeconds * 1000;
    const context = lambdaContext(name, this.options.region, deadline);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FunctionTimeoutError(name, timeoutSeconds)), timeoutSeconds * 1000);
        timer.unref();
      });
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
      if (jsonBytes(result) > LAMBDA_PAYLOAD_LIMITS.syncBytes) throw new ResponseTooLargeError();
      return result;
    } catch (error) {
      state.errors++;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Event invocation: returns at once; failures are logged and retried like Lambda's async retries
   * (the S3 notification and the async Invoke both go through here).
   */
  invokeAsync(name: FunctionName, event: unknown): void {
    // Refused by the Invoke call itself, so never queued nor retried.
    const bytes = jsonBytes(event);
    if (bytes > LAMBDA_PAYLOAD_LIMITS.asyncBytes)
      throw new RequestTooLargeError(name, bytes, LAMBDA_PAYLOAD_LIMITS.asyncBytes);
    const run = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.invoke(name, event);
          return;
        } catch (error) {
          if (this.stopped) {
            // Stopping ended it (drain() waited, then the cloud ended its tools); nothing retries after a stop.
            this.note(`${name} async invocation ended by the stop, not retried: ${describe(error)}`);
            return;
          }
          const last = attempt >= this.retryDelays.length || error instanceof FunctionMissingError;
          this.log(
            `${name} async invocation failed (attempt ${attempt + 1})${last ? '' : ', will retry'}: ${describe(error)}`,
          );
          if (last) return;
          await sleep(this.retryDelays[attempt]!);
          if (this.stopped) return;
        }
      }
    };
    const promise = run().finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  /** Lets in-flight async invocations finish (bounded), then refuses retries. */
  async drain(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.pending]), sleep(timeoutMs, { unref: true })]);
  }

  private load(name: FunctionName): Promise<Handler> {
    let loaded = this.handlers.get(name);
    if (!loaded) {
      loaded = this.importHandler(name);
      this.handlers.set(name, loaded);
      // A failed load is not cached: the file may appear or be fixed while the cloud runs.
      loaded.catch(() => this.handlers.delete(name));
    }
    return loaded;
  }

  private async importHandler(name: FunctionName): Promise<Handler> {
    const path = this.paths[name];
    const state = this.state.get(name)!;
    if (!existsSync(path)) {
      state.status = 'missing';
      throw new FunctionMissingError(name, path);
    }
    try {
      const mod = (await import(path)) as { handler?: unknown; default?: { handler?: unknown } };
      const handler = mod.handler ?? mod.default?.handler;
      if (typeof handler !== 'function') throw new Error(`${path} has no exported function "handler"`);
      state.status = 'loaded';
      delete state.error;
      return handler as Handler;
    } catch (error) {
      state.status = 'load-error';
      state.error = describe(error);
      throw error;
    }
  }

  private log(line: string): void {
    (this.options.log ?? console.error)(line);
  }

  private note(line: string): void {
    (this.options.note ?? this.options.log ?? console.error)(line);
  }
}

function lambdaContext(name: FunctionName, region: string, deadline: number): Context {
  const requestId = randomUUID();
  const fail = () => {
    throw new Error('callback-style handlers are not supported: return a Promise (Node.js 22 runtime style)');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** `unref` for bounded waits that must not keep a stopping process alive. */
export function sleep(ms: number, options: { unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (options.unref) timer.unref();
  });
}
