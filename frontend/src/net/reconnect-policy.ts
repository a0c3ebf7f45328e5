/*
 * When to try again after a socket drops. Exponential backoff with full jitter, so that a whole meeting that lost a
 * gateway at once does not come back in lock-step (the thundering herd that would trip rate limits on $connect).
 */

export interface RetryContext {
  /** 0 for the first retry after a loss. */
  retryCount: number;
  /** Time since the connection was lost. */
  elapsedMs: number;
}

export interface ReconnectPolicy {
  /** Milliseconds to wait before the next attempt, or null to give up. */
  nextRetryDelayMs(context: RetryContext): number | null;
}

export interface BackoffOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this many attempts… */
  maxRetries?: number;
  /** …or once this much time has passed since the loss. */
  maxElapsedMs?: number;
  /** 0 = none, 1 = full jitter (delay anywhere in [d/2, d] for 0.5). */
  jitter?: number;
  random?: () => number;
}

export class ExponentialBackoffPolicy implements ReconnectPolicy {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetries: number;
  private readonly maxElapsedMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 300;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 12;
    // A ticket lives 5 minutes; after 2 minutes offline the meeting has moved on: tell the user instead.
    this.maxElapsedMs = options.maxElapsedMs ?? 120_000;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.random = options.random ?? Math.random;
  }

  nextRetryDelayMs({ retryCount, elapsedMs }: RetryContext): number | null {
    if (retryCount >= this.maxRetries || elapsedMs >= this.maxElapsedMs) return null;
    const ceiling = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** retryCount);
    const spread = ceiling * this.jitter;
    return Math.round(ceiling - spread + spread * this.random());
  }
}
