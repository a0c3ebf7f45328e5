import { Connection, ConnectionState, nextState, type Clock } from '../../../frontend/src/net/connection-state';
import { ExponentialBackoffPolicy } from '../../../frontend/src/net/reconnect-policy';

/** A clock the test advances by hand: timers fire only when the test says time has passed. */
class ManualClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now() {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number) {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.fn();
  }
  get pending() {
    return this.timers.length;
  }
}

describe('nextState', () => {
  it('walks idle → connecting → connected → reconnecting → connected', () => {
    let s = ConnectionState.Idle;
    s = nextState(s, { type: 'connect' });
    expect(s).toBe(ConnectionState.Connecting);
    s = nextState(s, { type: 'opened' });
    expect(s).toBe(ConnectionState.Connected);
    s = nextState(s, { type: 'lost' });
    expect(s).toBe(ConnectionState.Reconnecting);
    s = nextState(s, { type: 'opened' });
    expect(s).toBe(ConnectionState.Connected);
  });

  it('never leaves closed (a removed user must not be reconnected by a late timer)', () => {
    for (const type of ['connect', 'opened', 'lost', 'retry'] as const) {
      expect(nextState(ConnectionState.Closed, { type })).toBe(ConnectionState.Closed);
    }
  });

  it('ignores an "opened" that arrives while idle', () => {
    expect(nextState(ConnectionState.Idle, { type: 'opened' })).toBe(ConnectionState.Idle);
  });
});

describe('Connection', () => {
  const make = (opts = {}) => {
    const clock = new ManualClock();
    const conn = new Connection(
      'signaling',
      new ExponentialBackoffPolicy({ initialDelayMs: 100, jitter: 0, ...opts }),
      clock,
    );
    const states: ConnectionState[] = [];
    const retries: number[] = [];
    const closed: string[] = [];
    conn.on('stateChanged', (s) => states.push(s));
    conn.on('retry', (n) => retries.push(n));
    conn.on('closed', (r) => closed.push(r));
    return { clock, conn, states, retries, closed };
  };

  it('schedules a retry with backoff after a loss and resets after it reopens', () => {
    const { clock, conn, retries, states } = make();
    conn.connect();
    conn.opened();
    conn.lost('network');
    expect(conn.state).toBe(ConnectionState.Reconnecting);
    clock.advance(99);
    expect(retries).toEqual([]);
    clock.advance(1);
    expect(retries).toEqual([1]);
    conn.lost('still down');
    clock.advance(199);
    expect(retries).toEqual([1]);
    clock.advance(1);
    expect(retries).toEqual([1, 2]);
    conn.opened();
    expect(conn.state).toBe(ConnectionState.Connected);
    expect(states).toEqual([
      ConnectionState.Connecting,
      ConnectionState.Connected,
      ConnectionState.Reconnecting,
      ConnectionState.Connected,
    ]);
    // After a successful reopen the backoff starts again from the initial delay.
    conn.lost();
    clock.advance(100);
    expect(retries).toEqual([1, 2, 1]);
  });

  it('closes with "gave-up" when the policy runs out', () => {
    const { clock, conn, closed } = make({ maxRetries: 2 });
    conn.connect();
    conn.opened();
    conn.lost();
    clock.advance(100);
    conn.lost();
    clock.advance(200);
    conn.lost();
    expect(conn.state).toBe(ConnectionState.Closed);
    expect(closed).toEqual(['gave-up']);
  });

  it('cancels a pending retry when closed deliberately', () => {
    const { clock, conn, retries, closed } = make();
    conn.connect();
    conn.opened();
    conn.lost();
    conn.close('removed');
    clock.advance(10_000);
    expect(retries).toEqual([]);
    expect(closed).toEqual(['removed']);
    expect(clock.pending).toBe(0);
  });

  it('reports each state change once', () => {
    const { conn, states } = make();
    conn.connect();
    conn.connect();
    conn.opened();
    conn.opened();
    expect(states).toEqual([ConnectionState.Connecting, ConnectionState.Connected]);
  });
});
