/*
 * Opening sockets with the credential in the Sec-WebSocket-Protocol header instead of the URL (see
 * functions/shared/protocol/socket-credential.ts for why).
 */
import { CREDENTIAL_QUERY_PARAMETERS, socketProtocols } from '../../../functions/shared/protocol/socket-credential';

/**
 * Chromium refuses a socket its CSP forbids without an exception and without any event: the socket is simply
 * CLOSED when the constructor returns. Nothing will ever report it, so the caller must look.
 */
export function blockedAtOnce(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.CLOSED;
}

/** A WebSocket whose subprotocols carry `credential`; the URL carries none. */
export function openCredentialSocket(url: string, credential: string): WebSocket {
  return new WebSocket(url, socketProtocols(credential));
}

/**
 * Runs `open` (a PeerJS call that opens its signalling socket: `new Peer(...)` or `peer.reconnect()`) so that the
 * socket it opens carries `credential` as a subprotocol and no `token` in its URL.
 *
 * PeerJS 1.5.5 builds its own URL (`…peerjs?key=…&id=…&token=…&version=…`) and calls the global `WebSocket`
 * constructor synchronously inside both calls, with no option for a socket factory or subprotocols. So for the
 * length of that one synchronous call the global is a subclass that drops PeerJS's `token` (its own random
 * reconnect token, which our server does not use; the authorizer refuses any `token` in a URL) and adds the
 * protocols; it is restored before anything else can run.
 */
export function withCredentialSocket<T>(credential: string, open: () => T, opened?: (ws: WebSocket) => void): T {
  const protocols = socketProtocols(credential);
  const Native = globalThis.WebSocket;
  globalThis.WebSocket = class CredentialWebSocket extends Native {
    constructor(url: string | URL) {
      super(withoutCredentialParameters(String(url)), protocols);
      opened?.(this);
    }
  };
  try {
    return open();
  } finally {
    globalThis.WebSocket = Native;
  }
}

/** `url` without the query parameters that once carried credentials. */
export function withoutCredentialParameters(url: string): string {
  const parsed = new URL(url);
  for (const name of CREDENTIAL_QUERY_PARAMETERS) parsed.searchParams.delete(name);
  return parsed.toString();
}
