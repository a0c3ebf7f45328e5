import { RecordingServerMessage } from '../../../../functions/shared/protocol/recordings';
import { openCredentialSocket } from '../../net/credential-socket';

/** What the live client needs from the app's session (ApiClient satisfies it); the token stays in memory. */
export interface LiveSession {
  currentAccessToken(): string | null;
  refresh(): Promise<boolean>;
}

/** The slice of the browser WebSocket the client uses, so a unit test can hand in a fake. */
export interface LiveSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  send(data: string): void;
  close(): void;
}

export interface LiveStatusDeps {
  /** `config.wsUrl`: the WebSocket API (path `/peerjs` is added when missing). */
  wsUrl: string;
  session: LiveSession;
  /** Opens the socket with the access token as its credential (a subprotocol, never in the URL). */
  openSocket?: (url: string, credential: string) => LiveSocket;
  random?: () => number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

// Reconnect delays: full jitter up to a doubling ceiling, so a gateway restart does not bring every open
// Recordings page back in the same second.
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
// API Gateway closes a socket after 10 idle minutes; HEARTBEAT is its mock route (no Lambda), the same beat the
// PeerJS socket uses (functions/signaling/heartbeat.ts explains the 4 minutes).
const HEARTBEAT_MS = 4 * 60 * 1000;
// A token this close to expiry would be refused by the $connect authorizer before the handshake ends.
const TOKEN_SLACK_MS = 30_000;

/** The user socket's URL: no `key`, so the authorizer does not treat it as a PeerJS socket; no token either. */
export function userSocketUrl(wsUrl: string): string {
  const base = wsUrl.replace(/\/+$/, '');
  const withPath = /\/peerjs$/.test(base) ? base : `${base}/peerjs`;
  return `${withPath}?scope=user`;
}

/** Epoch ms of a JWT's `exp`, or null when it cannot be read (then the server decides). */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * `subscribeLive` for the Recordings page: the owner's own socket (scope=user), carrying `recording.status` and
 * `recording.export` pushes. It reconnects with backoff while subscribed; the returned function closes it for good.
 * A browser cannot read why a handshake failed, so a socket that closes before opening, or a token about to
 * expire, gets a refresh through the session cookie first.
 */
export function createLiveStatus(deps: LiveStatusDeps) {
  const openSocket =
    deps.openSocket ??
    ((url: string, credential: string) => openCredentialSocket(url, credential) as unknown as LiveSocket);
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  return function subscribeLive(listener: (message: unknown) => void): () => void {
    let stopped = false;
    let socket: LiveSocket | null = null;
    let retryTimer: unknown;
    let beatTimer: unknown;
    let failures = 0;

    async function token(forceRefresh: boolean): Promise<string | null> {
      let current = deps.session.currentAccessToken();
      const exp = current ? tokenExpiry(current) : null;
      if (forceRefresh || !current || (exp !== null && exp - TOKEN_SLACK_MS <= now())) {
        // No session left (signed out, cookie gone): the page's poll still shows everything.
        if (!(await deps.session.refresh().catch(() => false))) return null;
        current = deps.session.currentAccessToken();
      }
      return current;
    }

    function beat() {
      beatTimer = setTimer(() => {
        socket?.send(JSON.stringify({ type: 'HEARTBEAT' }));
        beat();
      }, HEARTBEAT_MS);
    }

    function retryLater(refreshFirst: boolean) {
      if (stopped) return;
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** failures);
      failures++;
      retryTimer = setTimer(() => void connect(refreshFirst), Math.round(random() * ceiling));
    }

    async function connect(refreshFirst: boolean) {
      if (stopped) return;
      const current = await token(refreshFirst);
      if (stopped) return;
      if (!current) return;
      let opened = false;
      const ws = openSocket(userSocketUrl(deps.wsUrl), current);
      socket = ws;
      ws.onopen = () => {
        opened = true;
        failures = 0;
        beat();
      };
      ws.onmessage = (event) => {
        if (typeof event.data !== 'string') return;
        let raw: unknown;
        try {
          raw = JSON.parse(event.data);
        } catch {
          return; // not ours to show; the server only sends JSON
        }
        const parsed = RecordingServerMessage.safeParse(raw);
        if (parsed.success) listener(parsed.data);
      };
      ws.onclose = () => {
        clearTimer(beatTimer);
        if (socket === ws) socket = null;
        // Refused at the handshake: most likely the access token expired or was revoked.
        retryLater(!opened);
      };
    }

    void connect(false);
    return () => {
      stopped = true;
      clearTimer(retryTimer);
      clearTimer(beatTimer);
      socket?.close();
      socket = null;
    };
  };
}
