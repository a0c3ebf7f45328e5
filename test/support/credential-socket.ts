import { WebSocket } from 'ws';
import { socketProtocols } from '../../functions/shared/protocol/socket-credential';

/*
 * Opening sockets in tests the way the browser does (frontend/src/net/credential-socket.ts): the credential as a
 * subprotocol, the page's Origin header, nothing secret in the URL.
 */

export interface SocketOptions {
  /** The page origin a browser would send; omit to send none. */
  origin?: string;
  headers?: Record<string, string>;
}

/** A `ws` client offering `connect-now.v1` and `cn-credential.<credential>` (or no subprotocols when undefined). */
export function credentialSocket(url: string, credential: string | undefined, options: SocketOptions = {}): WebSocket {
  const headers = { ...(options.origin ? { Origin: options.origin } : {}), ...options.headers };
  return credential === undefined
    ? new WebSocket(url, { headers })
    : new WebSocket(url, socketProtocols(credential), { headers });
}

/** Resolves once the handshake completes; rejects with `{ status }` when the upgrade is refused. */
export function openCredentialSocket(
  url: string,
  credential: string | undefined,
  options: SocketOptions = {},
): Promise<WebSocket> {
  const ws = credentialSocket(url, credential, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The HTTP status of the upgrade: 101 when accepted (the socket is closed again at once). */
export async function upgradeStatus(
  url: string,
  credential: string | undefined,
  options: SocketOptions = {},
): Promise<number> {
  try {
    (await openCredentialSocket(url, credential, options)).terminate();
    return 101;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === undefined) throw error;
    return status;
  }
}
