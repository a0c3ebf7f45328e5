import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, FunctionMissingError, FunctionTimeoutError, type LambdaRuntime } from '../lambda/runtime';
import { readBody } from '../emulators/aws-http';
import type { LocalCredentials } from '../emulators/sigv4-verify';
import { CONNECTIONS_PREFIX, handleConnections } from './connections-endpoint';
import { HTTP_API_MAX_BODY, toHttpApiEvent, writeHttpApiResult, type HttpApiContext } from './http-api';
import { healthSummary } from '../health';
import { guardServer, isLoopbackAddress } from '../listener-guard';
import type { StaticFiles } from './static-files';
import { serveInbox } from './inbox';
import { LOCAL_INBOX_PATH } from '../names';
import type { LocalMail } from '../standins/ses';
import { rejectUpgrade, type WebSocketApi } from './websocket-api';
import { AVATAR_URL_PREFIX, serveAvatar, type AvatarReader } from './avatar-files';
import { HTTP_FUNCTION_ROUTES } from '../../lib/function-entries';
import type { FunctionName } from '../lambda/functions';

const MAX_WS_URL_LENGTH = 4096;

export interface GatewayParts {
  runtime: LambdaRuntime;
  websocket: WebSocketApi;
  /** The local stack's own AWS credentials: @connections accepts only requests signed with them. */
  credentials: LocalCredentials;
  staticFiles: StaticFiles;
  stagePath: string;
  httpApiContext: () => HttpApiContext;
  /** Headers CloudFront's response headers policy adds in AWS. */
  securityHeaders: () => Record<string, string>;
  runtimeConfig: () => unknown;
  /** Mails sent through the SES stand-in, newest first (the local inbox page). */
  inbox: () => LocalMail[];
  health: () => Promise<{ ok: boolean; body: unknown }>;
  /** The avatars bucket, which CloudFront serves under /avatars/* (undefined until the S3 stand-in is up). */
  avatars: () => AvatarReader | undefined;
  log: (line: string) => void;
}

/**
 * The one public port: what CloudFront (static files, /config.json), the HTTP API (/api) and the WebSocket API
 * stage (/peerjs) are in AWS, plus the local-only /healthz and @connections endpoint.
 */
export function createGateway(parts: GatewayParts): Server {
  const server = createServer((req, res) => {
    handle(parts, req, res).catch((error) => {
      parts.log(`[gateway] ${req.method} ${req.url}: ${describe(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway.local').pathname.replace(/\/$/, '');
    if (pathname !== parts.stagePath) return rejectUpgrade(socket, 404);
    // API Gateway's quota on WebSocket URL length (the token rides in the query string).
    if ((req.url ?? '').length > MAX_WS_URL_LENGTH) return rejectUpgrade(socket, 414);
    parts.websocket.handleUpgrade(req, socket, head);
  });
  guardServer(server);
  return server;
}

async function handle(parts: GatewayParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://gateway.local').pathname;
  if (pathname.startsWith(CONNECTIONS_PREFIX)) {
    return handleConnections(parts.websocket, parts.credentials, req, res, pathname);
  }
  const headers = parts.securityHeaders();
  if (pathname === '/api' || pathname.startsWith('/api/')) return httpApi(parts, req, res, headers);
  if (pathname === '/healthz') {
    const health = await parts.health();
    // Ports, paths and timings help whoever runs the stack, and a scanner as much: only on request (?detail=1)
    // and only from this machine; everyone else learns which parts are up.
    const detail =
      new URL(req.url ?? '/', 'http://gateway.local').searchParams.get('detail') === '1' &&
      isLoopbackAddress(req.socket.remoteAddress);
    res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(detail ? health.body : healthSummary(health.ok, health.body), null, 2));
    return;
  }
  if (pathname === LOCAL_INBOX_PATH || pathname === `${LOCAL_INBOX_PATH}.json`) {
    return serveInbox(parts.inbox(), pathname.endsWith('.json'), req, res, headers);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Method Not Allowed' }));
    return;
  }
  if (pathname === '/config.json') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(parts.runtimeConfig()));
    return;
  }
  if (pathname.startsWith(AVATAR_URL_PREFIX)) {
    return serveAvatar(parts.avatars(), pathname, res, headers, req.method === 'HEAD');
  }
  if (pathname === parts.stagePath) {
    // A plain GET on the stage path is what API Gateway answers without an upgrade.
    res.writeHead(426, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Upgrade Required' }));
    return;
  }
  parts.staticFiles.serve(pathname, res, headers, req.method === 'HEAD');
}

async function httpApi(
  parts: GatewayParts,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const reply = (status: number, message: string) => {
    res.writeHead(status, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify({ message }));
  };
  let body: Buffer;
  try {
    body = await readBody(req, HTTP_API_MAX_BODY);
  } catch {
    return reply(413, 'Request Entity Too Large');
  }
  // API Gateway picks the most specific route: a route of its own (lib/function-entries.ts) before the proxy.
  const method = (req.method ?? 'GET').toUpperCase();
  const path = new URL(req.url ?? '/', 'http://gateway.local').pathname;
  const own = HTTP_FUNCTION_ROUTES.find((r) => r.method === method && r.path === path);
  const fn = (own?.fn ?? 'HttpApi') as FunctionName;
  const event: APIGatewayProxyEventV2 = toHttpApiEvent(
    req,
    body,
    parts.httpApiContext(),
    own ? `${own.method} ${own.path}` : undefined,
  );
  let result: unknown;
  try {
    result = await parts.runtime.invoke(fn, event);
  } catch (error) {
    if (error instanceof FunctionMissingError) return reply(501, error.message);
    parts.log(`[http-api] ${req.method} ${event.rawPath}: ${describe(error)}`);
    // API Gateway's answers when the integration times out or fails; details stay in the function's log.
    if (error instanceof FunctionTimeoutError) return reply(503, 'Service Unavailable');
    return reply(500, 'Internal Server Error');
  }
  writeHttpApiResult(res, result, headers);
}
