import type { WebSocket } from 'ws';
import { credentialSocket } from '../../../support/credential-socket';

export interface OpenSocket {
  ws: WebSocket;
  messages: string[];
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens a socket like a browser would (Origin header, the credential as a subprotocol); rejects with the HTTP
 * status if refused. `credential` undefined offers no subprotocol at all.
 */
export function openSocket(
  url: string,
  credential: string | undefined,
  origin = 'http://localhost',
): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = credentialSocket(url, credential, { origin, headers: { 'User-Agent': 'local-cloud-test' } });
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(data.toString()));
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

export async function refusedStatus(url: string, credential: string | undefined): Promise<number> {
  try {
    const socket = await openSocket(url, credential);
    socket.ws.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}
