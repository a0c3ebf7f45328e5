import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { HttpResult } from '../../../functions/shared/http';

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  cookies?: string[];
  query?: Record<string, string>;
  ip?: string;
}

/** A payload format 2.0 event as API Gateway's HTTP API (and the local gateway) hands it to the Lambda. */
export function httpEvent(method: string, path: string, options: CallOptions = {}): APIGatewayProxyEventV2 {
  const query = options.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath: path,
    rawQueryString,
    cookies: options.cookies,
    headers: { 'content-type': 'application/json', ...options.headers },
    queryStringParameters: rawQueryString ? query : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: options.ip ?? randomIp(), userAgent: 'jest' },
      requestId: randomBytes(8).toString('hex'),
      routeKey: 'ANY /api/{proxy+}',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** A random TEST-NET-ish address so rate-limit counters never collide between tests. */
export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** name=value pairs a browser would send back, taken from Set-Cookie values (expired ones dropped). */
export function cookieJar(result: HttpResult, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const setCookie of result.cookies ?? []) {
    const [pair, ...attributes] = setCookie.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const expired = attributes.some((a) => /^max-age=0$/i.test(a));
    if (expired) jar.delete(name);
    else jar.set(name, pair!.slice(eq + 1));
  }
  return jar;
}

export const asCookies = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`);

export function setCookie(result: HttpResult, name: string): string | undefined {
  return result.cookies?.find((c) => c.startsWith(`${name}=`));
}

export const bodyOf = <T = Record<string, unknown>>(result: HttpResult): T => JSON.parse(result.body ?? '') as T;
