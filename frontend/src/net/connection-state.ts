/*
 * The lifecycle of one socket (the PeerJS signaling socket or the room socket) as an explicit state machine, so the
 * UI banner, the retry timer and the media layer all agree on where we are. Transitions are a pure function; the
 * Connection class adds the typed events and the reconnect timer around it.
 */
import type { ReconnectPolicy } from './reconnect-policy';

export enum ConnectionState {
  Idle = 'idle',
  Connecting = 'connecting',
  Connected = 'connected',
  /** Lost; a retry is scheduled or running. Media between peers keeps flowing meanwhile. */
  Reconnecting = 'reconnecting',
  /** Ended for good: left, removed, meeting ended, or the reconnect policy gave up. */
  Closed = 'closed',
}

export type CloseReason = 'left' | 'removed' | 'ended' | 'denied' | 'full' | 'gave-up' | 'rejected';

export type ConnectionEvent =
  | { type: 'connect' }
  | { type: 'opened' }
  | { type: 'lost'; error?: string }
  | { type: 'retry' }
  | { type: 'close'; reason: CloseReason };

/** Pure transition table. Events that make no sense in a state leave it unchanged (returned as the same value). */
export function nextState(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  if (state === ConnectionState.Closed) return state;
  switch (event.type) {
    case 'close':
      return ConnectionState.Closed;
    case 'connect':
      return state === ConnectionState.Idle ? ConnectionState.Connecting : state;
    case 'opened':
      return state === ConnectionState.Connecting || state === ConnectionState.Reconnecting
        ? ConnectionState.Connected
        : state;
    case 'lost':
      return state === ConnectionState.Connected || state === ConnectionState.Connecting
        ? ConnectionState.Reconnecting
        : state;
    case 'retry':
      return state;
  }
}

export interface ConnectionEvents {
  stateChanged: (state: ConnectionState, previous: ConnectionState) => void;
  /** A retry is due: the owner fetches a fresh ticket and reconnects, then calls `opened()` or `lost()`. */
  retry: (attempt: number) => void;
  closed: (reason: CloseReason) => void;
}

type Listener<K extends keyof ConnectionEvents> = ConnectionEvents[K];

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Connection {
  private current = ConnectionState.Idle;
  private readonly listeners: { [K in keyof ConnectionEvents]: Set<Listener<K>> } = {
    stateChanged: new Set(),
    retry: new Set(),
    closed: new Set(),
  };
  private lostAt = 0;
  private attempts = 0;
  private timer: unknown;

  constructor(
    readonly name: string,
    private readonly policy: ReconnectPolicy,
    private readonly clock: Clock = realClock,
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  on<K extends keyof ConnectionEvents>(event: K, listener: ConnectionEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  connect(): void {
    this.apply({ type: 'connect' });
  }

  opened(): void {
    this.attempts = 0;
    this.apply({ type: 'opened' });
  }

  /** The socket dropped (or a retry failed): schedule the next attempt or give up. */
  lost(error?: string): void {
    const before = this.current;
    this.apply({ type: 'lost', ...(error ? { error } : {}) });
    if (this.current !== ConnectionState.Reconnecting) return;
    if (before !== ConnectionState.Reconnecting) this.lostAt = this.clock.now();
    this.scheduleRetry();
  }

  close(reason: CloseReason): void {
    if (this.current === ConnectionState.Closed) return;
    this.clock.clearTimeout(this.timer);
    this.apply({ type: 'close', reason });
    for (const l of this.listeners.closed) l(reason);
  }

  private scheduleRetry(): void {
    this.clock.clearTimeout(this.timer);
    const delay = this.policy.nextRetryDelayMs({
      retryCount: this.attempts,
      elapsedMs: this.clock.now() - this.lostAt,
    });
    if (delay === null) {
      this.close('gave-up');
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      if (this.current !== ConnectionState.Reconnecting) return;
      this.attempts += 1;
      for (const l of this.listeners.retry) l(this.attempts);
    }, delay);
  }

  private apply(event: ConnectionEvent): void {
    const previous = this.current;
    const next = nextState(previous, event);
    if (next === previous) return;
    this.current = next;
    for (const l of this.listeners.stateChanged) l(next, previous);
  }
}
