import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { hasMalformedEscape } from '../functions/shared/percent-encoding';

/*
 * Checks every local listener makes before its own code (or a stand-in package's) sees a request: the gateway, the
 * AWS endpoint and the stand-ins all go through `guardServer`, so none of them can forget one.
 */

export type Refusal = { status: number; message: string };

/** How long a local listener keeps an idle keep-alive connection (see guardServer). */
export const IDLE_KEEP_ALIVE_MS = 65_000;

/** Why the request target cannot be served, or undefined when it is fine. */
export function checkTarget(target: string | undefined): Refusal | undefined {
  const raw = target ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  if (hasMalformedEscape(path) || hasMalformedEscape(query)) {
    return { status: 400, message: 'Bad Request: the URL holds a malformed percent-escape' };
  }
  try {
    new URL(raw, 'http://listener.local');
  } catch {
    return { status: 400, message: 'Bad Request: the request target is not a URL' };
  }
  return undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** A peer address on this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
const ALL_INTERFACES = new Set(['0.0.0.0', '::']);

/**
 * Why the Host header does not name this listener, or undefined when it does. DNS rebinding points a name the
 * attacker controls at 127.0.0.1 so that their page becomes "same origin" with a local port; the browser then
 * sends their name as Host. So the port must be the bound one and the name one this listener answers to: a
 * loopback name, the bound address itself, any IP literal when bound to every interface (a rebinding attack
 * always uses a name), or one of `extraHosts` (e.g. PUBLIC_URL's host).
 */
export function checkHost(
  host: string | undefined,
  bound: AddressInfo | string | null,
  extraHosts: readonly string[] = [],
): Refusal | undefined {
  const misdirected = { status: 421, message: `Misdirected Request: this listener does not answer to Host ${host}` };
  if (!host || bound === null || typeof bound === 'string') return host ? undefined : misdirected;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return misdirected;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return misdirected;
  if (Number(url.port || 80) !== bound.port) return misdirected;
  const name = url.hostname.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(name) || name === bound.address) return undefined;
  if (ALL_INTERFACES.has(bound.address) && isIP(name) !== 0) return undefined;
  return extraHosts.some((extra) => extra.toLowerCase() === url.host) ? undefined : misdirected;
}

function refuseRequest(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ message: refusal.message });
  res.writeHead(refusal.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface GuardOptions {
  /** Host values (host:port) answered besides the loopback names and the bound address. */
  extraHosts?: () => readonly string[];
}

/**
 * Puts the checks in front of every `request` and `upgrade` listener `server` has now (call it once the listener's
 * own handlers are attached, e.g. after a stand-in package created its server): a malformed request target gets
 * 400, a Host header that does not name this listener 421.
 */
export function guardServer(server: Server, options: GuardOptions = {}): void {
  // Node closes an idle keep-alive connection after 5 s; the AWS SDK's agents keep idle sockets and reuse them, so a
  // request sent as the server closes its socket dies with ECONNRESET. Under load that race is frequent, and the
  // SDK's retry quota runs dry (seen: RoomSocket and SignalRelay runs failing "read ECONNRESET" on @connections
  // posts). AWS endpoints and load balancers keep idle connections open for a minute or more (ALB: 60 s).
  server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS;
  // Node requires headersTimeout above keepAliveTimeout, or a slow request on a reused socket is cut.
  server.headersTimeout = IDLE_KEEP_ALIVE_MS + 1000;
  // The bound address, asked of the socket once per listen rather than on every request (getsockname was 0.7% of
  // the local cloud's CPU in a profile of bench:whiteboard, where every @connections post passes here).
  let bound: ReturnType<Server['address']> = null;
  server.on('listening', () => (bound = server.address()));
  server.on('close', () => (bound = null));
  const check = (req: IncomingMessage) =>
    checkTarget(req.url) ?? checkHost(req.headers.host, (bound ??= server.address()), options.extraHosts?.() ?? []);
  for (const event of ['request', 'upgrade'] as const) {
    const listeners = server.listeners(event) as Array<(...args: unknown[]) => void>;
    if (listeners.length === 0) continue;
    server.removeAllListeners(event);
    server.on(event, (req: IncomingMessage, second: ServerResponse | Duplex, ...rest: unknown[]) => {
      const refusal = check(req);
      if (refusal) {
        req.resume();
        if (event === 'request') refuseRequest(second as ServerResponse, refusal);
        else refuseUpgrade(second as Duplex, refusal);
        return;
      }
      for (const listener of listeners) listener.call(server, req, second, ...rest);
    });
  }
}
