import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { decodeComponent } from '../../functions/shared/percent-encoding';

/** HTTP API payload quota. */
export const HTTP_API_MAX_BODY = 10 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

export interface HttpApiContext {
  region: string;
  accountId: string;
  apiId: string;
  domainName: string;
}

/**
 * The payload format 2.0 event API Gateway builds for `ANY /api/{proxy+}`: lower-cased headers with repeated
 * values comma-joined, cookies split out of the Cookie header, query values comma-joined, and the body as text
 * or, for non-text content types, base64.
 */
export function toHttpApiEvent(
  req: IncomingMessage,
  body: Buffer,
  ctx: HttpApiContext,
  /** A route of its own (`PUT /api/account/avatar`): no `{proxy+}` parameter then. */
  ownRouteKey?: string,
): APIGatewayProxyEventV2 {
  const routeKey = ownRouteKey ?? 'ANY /api/{proxy+}';
  const url = new URL(req.url ?? '/', 'http://gateway.local');
  const proxy = url.pathname.replace(/^\/api\/?/, '');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    // API Gateway sets X-Forwarded-* itself: a client cannot choose the address the functions see.
    if (name === 'cookie' || name.startsWith('x-forwarded-')) continue;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  headers['x-forwarded-for'] = normalizeIp(req.socket.remoteAddress);
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader
    ? cookieHeader
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)
    : undefined;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const rawQueryString = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
  const now = new Date();
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const sourceIp = normalizeIp(req.socket.remoteAddress);
  const requestId = randomBytes(12).toString('base64').replace(/[+/=]/g, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: ctx.domainName,
      domainPrefix: ctx.domainName.split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    // The gateway's listener guard has already refused malformed escapes; the raw value is only a fallback.
    ...(ownRouteKey ? {} : { pathParameters: { proxy: decodeComponent(proxy) ?? proxy } }),
    isBase64Encoded: body.length > 0 && !isText,
  };
  if (body.length > 0) event.body = isText ? body.toString('utf8') : body.toString('base64');
  return event;
}

/**
 * Maps the function's result as API Gateway does for format 2.0: a result with statusCode is used as given
 * (cookies become Set-Cookie headers, base64 bodies are decoded); anything else is a 200 JSON body.
 */
export function writeHttpApiResult(
  res: ServerResponse,
  result: APIGatewayProxyResultV2 | unknown,
  extraHeaders: Record<string, string>,
): void {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, string | number | boolean>;
      multiValueHeaders?: Record<string, (string | number | boolean)[]>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: Record<string, string | string[]> = { ...extraHeaders };
    for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
    for (const [name, values] of Object.entries(r.multiValueHeaders ?? {})) {
      headers[name.toLowerCase()] = values.map(String).join(',');
    }
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body =
      r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body);
    if (body && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    res.writeHead(r.statusCode, headers);
    res.end(body);
    return;
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? '');
  res.writeHead(200, { ...extraHeaders, 'content-type': 'application/json' });
  res.end(body);
}

export function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

export function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
