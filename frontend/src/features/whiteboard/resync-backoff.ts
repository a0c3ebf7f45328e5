/**
 * How long a page waits, after the server refused one of its board updates, before it asks for the board again.
 * Exponential, so a page that keeps being refused (a rate limit, a board that stays view-only) asks ever more
 * rarely instead of adding to the load that refused it; a page left alone for a while starts from the short wait.
 */
import { WHITEBOARD_RESYNC } from '../../../../functions/shared/protocol/whiteboard';

export interface ResyncTiming {
  firstMs: number;
  maxMs: number;
  /** A refusal this long after the previous one counts as the first again. */
  quietMs: number;
}

export class ResyncBackoff {
  private attempt = 0;
  private lastRefusalAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly timing: ResyncTiming = WHITEBOARD_RESYNC) {}

  /** A refusal arrived at `now`: the wait before the next resync. */
  next(now: number): number {
    if (now - this.lastRefusalAt >= this.timing.quietMs) this.attempt = 0;
    this.lastRefusalAt = now;
    const wait = Math.min(this.timing.maxMs, this.timing.firstMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return wait;
  }

  /** A refusal arrived while a resync was already due: it keeps the backoff from resetting, nothing more. */
  touch(now: number): void {
    this.lastRefusalAt = now;
  }
}
