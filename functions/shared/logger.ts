import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per container. Socket credentials travel in the Sec-WebSocket-Protocol header and bearer
 * tokens in Authorization, so anything that logs an event must go through `redact` first.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'connect-now' });

// x-origin-verify: the secret CloudFront adds to /api requests (it proves a viewer address header came through CloudFront).
const SECRET_KEYS = new Set([
  'token',
  'ticket',
  'authorization',
  'cookie',
  'password',
  'currentpassword',
  'newpassword',
  'passwordhash',
  'password_hash',
  'accesstoken',
  'refreshtoken',
  'code',
  'refresh',
  'x-origin-verify',
  // carries the socket ticket as a subprotocol (functions/shared/protocol/socket-credential.ts)
  'sec-websocket-protocol',
]);

/** Deep copy with secret-looking fields replaced, for logging events and requests. */
export function redact<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => (SECRET_KEYS.has(key.toLowerCase()) && v ? '[redacted]' : v)),
  ) as T;
}
