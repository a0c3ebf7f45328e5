import type { Context } from 'aws-lambda';

/** What a test handler saw: the function it stood in for, the event and the Lambda context. */
export interface Invocation {
  fn: string;
  event: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  context: Context;
  at: number;
}

export type Behavior = (event: any, context: Context) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Shared between a test file and the stand-in handler module the local cloud loads in the same jest module
 * registry (kept on globalThis so both sides see one instance whatever the import path).
 */
export interface Recorder {
  calls: Invocation[];
  behaviors: Record<string, Behavior | undefined>;
}

const KEY = Symbol.for('connect-now.local-cloud.test-recorder');

export function recorder(): Recorder {
  const g = globalThis as unknown as Record<symbol, Recorder | undefined>;
  g[KEY] ??= { calls: [], behaviors: {} };
  return g[KEY]!;
}

export function callsOf(fn: string): Invocation[] {
  return recorder().calls.filter((c) => c.fn === fn);
}

export async function waitFor<T>(
  check: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
