/*
 * How a socket's credential (room ticket or access token) travels: in the `Sec-WebSocket-Protocol` header, never
 * in the URL. URLs end up in access logs (CloudFront standard logs record query strings, API Gateway access logs
 * can too); the only header a browser lets a page set on a WebSocket is this one. The client offers two
 * subprotocols, the protocol name and `cn-credential.<jwt>`; the `$connect` integration echoes only the protocol
 * name (API Gateway passes the `$connect` response's `Sec-WebSocket-Protocol` header on to the client; a browser
 * fails a handshake that echoes a protocol it did not offer, or none when it offered some).
 * Shared by the browser, the Lambdas, the local gateway and the tests.
 */

/** The protocol both sockets speak; the only value the server ever echoes. */
export const SOCKET_PROTOCOL = 'connect-now.v1';

/** Prefix of the subprotocol that carries the credential. */
export const CREDENTIAL_PROTOCOL_PREFIX = 'cn-credential.';

/** The header, as API Gateway's identity source and the `$connect` response name it. */
export const PROTOCOL_HEADER = 'Sec-WebSocket-Protocol';

// A subprotocol must be an RFC 7230 token (RFC 6455 §4.1). A JWT is base64url segments joined by dots, all token
// characters; anything else (spaces, commas, quotes) would break the header or be refused by the browser.
const CREDENTIAL_CHARS = /^[A-Za-z0-9_.-]+$/;

export class CredentialFormatError extends Error {}

/** The subprotocol list a client offers: `new WebSocket(url, socketProtocols(ticket))`. */
export function socketProtocols(credential: string): string[] {
  if (!CREDENTIAL_CHARS.test(credential)) {
    throw new CredentialFormatError('A socket credential must be a JWT (letters, digits, "-", "_" and ".")');
  }
  return [SOCKET_PROTOCOL, `${CREDENTIAL_PROTOCOL_PREFIX}${credential}`];
}

/**
 * The credential from a `Sec-WebSocket-Protocol` request header (comma-separated offers), or undefined when the
 * client did not offer our protocol, offered no credential, or offered more than one.
 */
export function credentialFromProtocols(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const offers = header
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (!offers.includes(SOCKET_PROTOCOL)) return undefined;
  const credentials = offers
    .filter((entry) => entry.startsWith(CREDENTIAL_PROTOCOL_PREFIX))
    .map((entry) => entry.slice(CREDENTIAL_PROTOCOL_PREFIX.length));
  if (credentials.length !== 1) return undefined;
  const [credential] = credentials;
  return credential && CREDENTIAL_CHARS.test(credential) ? credential : undefined;
}

/** Query parameters that once carried credentials; a URL holding one is refused so nothing writes them to logs. */
export const CREDENTIAL_QUERY_PARAMETERS = ['token', 'ticket'] as const;
