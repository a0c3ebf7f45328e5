import {
  createLiveStatus,
  tokenExpiry,
  userSocketUrl,
  type LiveSocket,
} from '../../../../frontend/src/recordings/library/live-status';

const RECORDING_ID = '6f1c2b9e-4a4b-4c1f-9a51-0c2b8d6f7e10';

class FakeSocket implements LiveSocket {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(
    readonly url: string,
    readonly credential: string,
  ) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
}

/** A JWT-shaped token whose payload says when it expires (the client reads only `exp`). */
const jwt = (expSeconds: number, tag = 'a') =>
  `h.${Buffer.from(JSON.stringify({ exp: expSeconds, tag })).toString('base64url')}.s`;

function world(options: { token?: string | null; refreshTo?: string | null } = {}) {
  let clock = 1_000_000_000_000;
  const timers: { fn: () => void; at: number; ms: number; id: number }[] = [];
  let nextId = 0;
  const sockets: FakeSocket[] = [];
  let token: string | null = options.token === undefined ? jwt(clock / 1000 + 900) : options.token;
  const session = {
    refreshes: 0,
    currentAccessToken: () => token,
    refresh: async () => {
      session.refreshes++;
      if (options.refreshTo === null) return false;
      token = options.refreshTo ?? jwt(clock / 1000 + 900, `r${session.refreshes}`);
      return true;
    },
  };
  const subscribe = createLiveStatus({
    wsUrl: 'wss://ws.example.com/prod',
    session,
    openSocket: (url, credential) => {
      const s = new FakeSocket(url, credential);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    now: () => clock,
    setTimer: (fn, ms) => {
      const id = ++nextId;
      timers.push({ fn, at: clock + ms, ms, id });
      return id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    sockets,
    timers,
    session,
    subscribe,
    settle,
    /** Runs the earliest timer (moving the clock to it), then lets promises settle. */
    async tick() {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift();
      if (!t) throw new Error('no timer pending');
      clock = t.at;
      t.fn();
      await settle();
      return t;
    },
    last: () => sockets[sockets.length - 1]!,
  };
}

describe('live status client (the Recordings page user socket)', () => {
  it('opens scope=user with no PeerJS key and no token in the URL (the token is the socket credential)', async () => {
    expect(userSocketUrl('wss://ws.example.com/prod/')).toBe('wss://ws.example.com/prod/peerjs?scope=user');
    expect(userSocketUrl('ws://127.0.0.1:8080/peerjs')).toBe('ws://127.0.0.1:8080/peerjs?scope=user');
    const w = world();
    w.subscribe(() => {});
    await w.settle();
    expect(w.last().url).toBe('wss://ws.example.com/prod/peerjs?scope=user');
    expect(w.last().credential).toBe(w.session.currentAccessToken());
  });

  it('hands valid recording messages to the page and drops errors, garbage and foreign messages', async () => {
    const w = world();
    const got: unknown[] = [];
    w.subscribe((m) => got.push(m));
    await w.settle();
    const s = w.last();
    s.onopen!();
    const status = { type: 'recording.status', recordingId: RECORDING_ID, status: 'transcribing', percent: 30 };
    s.onmessage!({ data: JSON.stringify(status) });
    s.onmessage!({ data: JSON.stringify({ type: 'error', code: 'not_allowed', message: 'no' }) });
    s.onmessage!({ data: '{not json' });
    s.onmessage!({ data: JSON.stringify({ type: 'recording.status', recordingId: 'x', status: 'ready' }) });
    s.onmessage!({ data: JSON.stringify({ ...status, percent: 900 }) });
    expect(got).toEqual([status]);
  });

  it('reconnects with jittered, growing backoff while the socket keeps closing, then resets after an open', async () => {
    const w = world();
    w.subscribe(() => {});
    await w.settle();
    w.last().onopen!();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      w.last().onclose!();
      const t = await w.tick();
      delays.push(t.ms);
    }
    // random() = 0.5: half of 1, 2, 4, 8, 16, 30, 30 seconds.
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(w.sockets).toHaveLength(8);
    w.last().onopen!();
    w.last().onclose!();
    expect((await w.tick()).ms).toBe(500);
  });

  it('refreshes the access token after a socket closes without ever opening (handshake refused)', async () => {
    const w = world();
    w.subscribe(() => {});
    await w.settle();
    const first = w.last();
    first.onclose!();
    await w.tick();
    expect(w.session.refreshes).toBe(1);
    expect(w.last().credential).not.toBe(first.credential);
    expect(w.last().credential).toBe(w.session.currentAccessToken());
  });

  it('refreshes an expired token before connecting, and stays closed when there is no session', async () => {
    const expired = world({ token: jwt(1_000_000_000 - 10) });
    expired.subscribe(() => {});
    await expired.settle();
    expect(expired.session.refreshes).toBe(1);
    expect(expired.sockets).toHaveLength(1);

    const signedOut = world({ token: null, refreshTo: null });
    signedOut.subscribe(() => {});
    await signedOut.settle();
    expect(signedOut.sockets).toHaveLength(0);
  });

  it('keeps the socket alive with HEARTBEAT, and closes it for good on unsubscribe', async () => {
    const w = world();
    const stop = w.subscribe(() => {});
    await w.settle();
    const s = w.last();
    s.onopen!();
    const beat = await w.tick();
    expect(beat.ms).toBe(4 * 60 * 1000);
    expect(s.sent).toEqual([JSON.stringify({ type: 'HEARTBEAT' })]);
    stop();
    expect(s.closed).toBe(true);
    s.onclose!();
    expect(w.timers).toEqual([]);
    expect(w.sockets).toHaveLength(1);
  });

  it('reads the expiry of a JWT, and null for anything else', () => {
    expect(tokenExpiry(jwt(1234))).toBe(1_234_000);
    expect(tokenExpiry('garbage')).toBeNull();
  });
});
