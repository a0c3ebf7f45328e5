import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { BadRequest, PayloadTooLarge, Unauthorized, isAppError } from './errors';
import { decodeComponent } from './percent-encoding';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Request bodies larger than this are refused before parsing (uploads go straight to S3, never through here). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

export function json(
  status: number,
  body: unknown,
  extra: { headers?: Record<string, string>; cookies?: string[] } = {},
): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra.headers },
    cookies: extra.cookies,
    body: status === 204 ? '' : JSON.stringify(body),
  };
}

export function redirect(location: string, cookies?: string[]): HttpResult {
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, cookies, body: '' };
}

/** Parses and validates a JSON body; 413 when too large, 400 with the schema's issues when malformed. */
export function readJson<S extends z.ZodType>(event: HttpEvent, schema: S): z.infer<S> {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(raw) > MAX_JSON_BODY_BYTES) {
    throw new PayloadTooLarge(`Request body is larger than ${MAX_JSON_BODY_BYTES / 1024} KB`);
  }
  let value: unknown;
  try {
    value = raw === '' ? {} : JSON.parse(raw);
  } catch {
    throw new BadRequest('Request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new BadRequest(
      `Invalid request: ${issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

/** The bearer token from the Authorization header, or Unauthorized. */
export function bearerToken(event: HttpEvent): string {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new Unauthorized('Missing "Authorization: Bearer <token>" header');
  return match[1]!;
}

export function cookie(event: HttpEvent, name: string): string | undefined {
  for (const c of event.cookies ?? []) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === name) {
      // A malformed escape is an absent cookie, not a crash.
      return decodeComponent(c.slice(eq + 1).trim());
    }
  }
  return undefined;
}

export function sourceIp(event: HttpEvent): string {
  return event.requestContext?.http?.sourceIp ?? 'unknown';
}

/** Maps typed errors to their status; anything else propagates so Lambda reports it (500 + error metrics). */
export function errorResult(error: unknown): HttpResult {
  if (!isAppError(error)) throw error;
  const headers: Record<string, string> = {};
  const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if ((error.status === 429 || error.status === 503) && retry) headers['retry-after'] = String(retry);
  return json(
    error.status,
    { error: { code: error.code, message: error.message, details: error.details } },
    { headers },
  );
}
