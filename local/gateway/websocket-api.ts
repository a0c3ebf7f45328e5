import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { PROTOCOL_HEADER } from '../../functions/shared/protocol/socket-credential';
import type { FunctionName } from '../lambda/functions';
import { describe, FunctionMissingError, sleep, type LambdaRuntime } from '../lambda/runtime';
import { evaluatePolicy } from './authorizer-policy';
import { limitFrameSize, MESSAGE_LIMIT } from './frame-limit';
import { apiGatewayTime, normalizeIp } from './http-api';
import { RELAYED_TYPES } from '../../functions/shared/protocol/peerjs';
import { integrationFailureFrame } from '../../functions/shared/protocol/room';

export { FRAME_LIMIT, MESSAGE_LIMIT } from './frame-limit';

/**
 * Routes of docs/contracts.md, from the protocol's list of relayed types (the CDK stack routes the same list);
 * HEARTBEAT is a mock integration in AWS (answered by nothing).
 */
const ROUTES: Record<string, FunctionName | 'mock'> = {
  ...Object.fromEntries(RELAYED_TYPES.map((type) => [type, 'SignalRelay' as const])),
  HEARTBEAT: 'mock',
  $default: 'RoomSocket',
};

export interface WebSocketApiOptions {
  runtime: LambdaRuntime;
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  domainName: () => string;
  /** @default 10 minutes */
  idleTimeoutMs?: number;
  /** @default 2 hours */
  maxConnectionMs?: number;
  log?: (line: string) => void;
}

interface Connection {
  id: string;
  state: 'connecting' | 'open' | 'closed';
  socket?: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  authorizer?: Record<string, unknown>;
  timers: NodeJS.Timeout[];
}

export type PostResult = 'ok' | 'gone' | 'too-large';

/**
 * The API Gateway WebSocket API locally: $connect with the REQUEST authorizer first, route selection on
 * `$request.body.type`, $disconnect on close, the frame/message size limits, idle and lifetime timeouts, and the
 * connection registry behind the @connections management endpoint (410 while a connection is still in $connect).
 */
export class WebSocketApi {
  private readonly connections = new Map<string, Connection>();
  /** The subprotocol each `$connect` integration echoed, read back when the handshake completes. */
  private readonly echoed = new WeakMap<IncomingMessage, string>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MESSAGE_LIMIT,
    perMessageDeflate: false,
    // API Gateway answers with the Sec-WebSocket-Protocol the $connect response carried, and with none when it
    // carried none (the client then fails the handshake, as a browser does against AWS).
    handleProtocols: (_offered, req) => this.echoed.get(req) ?? false,
  });
  private readonly inflight = new Set<Promise<unknown>>();
  private stopping?: Promise<void>;

  constructor(private readonly options: WebSocketApiOptions) {}

  get openConnections(): number {
    return [...this.connections.values()].filter((c) => c.state === 'open').length;
  }

  /** Handles an HTTP upgrade on the stage path; anything else is refused like an unknown route. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const connection: Connection = {
      id: newConnectionId(),
      state: 'connecting',
      connectedAt: Date.now(),
      lastActiveAt: Date.now(),
      sourceIp: normalizeIp(req.socket.remoteAddress),
      userAgent: String(req.headers['user-agent'] ?? ''),
      timers: [],
    };
    this.connections.set(connection.id, connection);
    let clientGone = false;
    socket.once('close', () => (clientGone = true));
    socket.on('error', () => undefined);
    this.track(
      this.connect(connection, req)
        .then((status) => {
          if (status !== 200) {
            this.connections.delete(connection.id);
            return rejectUpgrade(socket, status);
          }
          if (clientGone) {
            // Connected as far as the handlers know: they must see the matching $disconnect.
            connection.state = 'closed';
            this.connections.delete(connection.id);
            return this.disconnect(connection, 1006, 'Client went away during $connect');
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => this.open(connection, ws));
        })
        .catch((error) => {
          this.log(`$connect failed: ${describe(error)}`);
          this.connections.delete(connection.id);
          rejectUpgrade(socket, 500);
        }),
    );
  }

  /** PostToConnection: 'gone' while in $connect or after close, as API Gateway answers 410. */
  post(connectionId: string, data: Buffer): PostResult {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.state !== 'open' || connection.socket?.readyState !== WebSocket.OPEN) return 'gone';
    if (data.length > MESSAGE_LIMIT) return 'too-large';
    // API Gateway delivers @connections data as text frames.
    connection.socket.send(data.toString('utf8'));
    return 'ok';
  }

  info(
    connectionId: string,
  ): { connectedAt: Date; lastActiveAt: Date; sourceIp: string; userAgent: string } | undefined {
    const c = this.connections.get(connectionId);
    if (!c || c.state !== 'open') return undefined;
    return {
      connectedAt: new Date(c.connectedAt),
      lastActiveAt: new Date(c.lastActiveAt),
      sourceIp: c.sourceIp,
      userAgent: c.userAgent,
    };
  }

  /** DeleteConnection: closes the socket; $disconnect follows from the close. */
  close(connectionId: string): boolean {
    const c = this.connections.get(connectionId);
    if (!c || c.state !== 'open' || !c.socket) return false;
    c.socket.close(1000, 'Connection closed by the application');
    return true;
  }

  /** Idempotent: the local cloud calls it first on shutdown and again when it closes the gateway. */
  stop(): Promise<void> {
    return (this.stopping ??= this.closeAll());
  }

  private async closeAll(): Promise<void> {
    // A socket's $disconnect starts only when its close handshake ends, so wait for the closes before waiting for
    // the in-flight invocations: otherwise late $disconnects ran after the stand-ins had stopped.
    const closed = [...this.connections.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (!c.socket || c.socket.readyState === WebSocket.CLOSED) resolve();
          else c.socket.once('close', () => resolve());
        }),
    );
    for (const c of this.connections.values()) c.socket?.close(1001, 'Going away');
    await Promise.race([Promise.all(closed), sleep(2000, { unref: true })]);
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(3000, { unref: true })]);
    for (const c of this.connections.values()) c.socket?.terminate();
    this.wss.close();
  }

  private async connect(connection: Connection, req: IncomingMessage): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const { headers, multiValueHeaders } = eventHeaders(req);
    const { single: query, multi: multiQuery } = eventQuery(url);
    const requestContext = this.requestContext(connection, '$connect', 'CONNECT');

    // Identity source route.request.header.Sec-WebSocket-Protocol: without it API Gateway answers 401 and never
    // calls the authorizer. (The authorizer itself insists on the credential being in it.)
    if (!req.headers['sec-websocket-protocol']) return 401;
    const authEvent = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${this.options.apiId}/${this.options.stage}/$connect`,
      headers,
      multiValueHeaders,
      queryStringParameters: query,
      multiValueQueryStringParameters: multiQuery,
      stageVariables: {},
      requestContext,
    };
    let policy: unknown;
    try {
      policy = await this.options.runtime.invoke('WsAuthorizer', authEvent);
    } catch (error) {
      if (error instanceof FunctionMissingError) return 501;
      // A Lambda authorizer signals "no" by failing with exactly this message.
      if (error instanceof Error && error.message === 'Unauthorized') return 401;
      this.log(`WsAuthorizer failed: ${describe(error)}`);
      return 500;
    }
    const decision = evaluatePolicy(policy, authEvent.methodArn);
    if (decision.effect === 'invalid') {
      this.log(`WsAuthorizer returned an invalid policy: ${decision.reason}`);
      return 500;
    }
    if (decision.effect === 'deny') return 403;
    connection.authorizer = { ...decision.context, principalId: decision.principalId, integrationLatency: 0 };

    let result: unknown;
    try {
      result = await this.options.runtime.invoke('WsConnect', {
        headers,
        multiValueHeaders,
        queryStringParameters: query,
        multiValueQueryStringParameters: multiQuery,
        requestContext: { ...requestContext, authorizer: connection.authorizer },
        isBase64Encoded: false,
      });
    } catch (error) {
      if (error instanceof FunctionMissingError) return 501;
      this.log(`WsConnect failed: ${describe(error)}`);
      return 500;
    }
    const status = statusOf(result);
    if (status < 200 || status >= 300) return status;
    const protocol = echoedProtocol(result);
    if (protocol) this.echoed.set(req, protocol);
    return 200;
  }

  private open(connection: Connection, ws: WebSocket): void {
    connection.socket = ws;
    connection.state = 'open';
    connection.lastActiveAt = Date.now();
    limitFrameSize(ws);
    const idleMs = this.options.idleTimeoutMs ?? 10 * 60_000;
    const maxMs = this.options.maxConnectionMs ?? 2 * 60 * 60_000;
    const lifetime = setTimeout(() => ws.close(1001, 'Going away'), maxMs);
    lifetime.unref();
    let idle = setTimeout(() => ws.close(1001, 'Going away'), idleMs);
    idle.unref();
    connection.timers = [lifetime, idle];
    const touch = () => {
      connection.lastActiveAt = Date.now();
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1001, 'Going away'), idleMs);
      idle.unref();
      connection.timers = [lifetime, idle];
    };
    ws.on('ping', touch);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      touch();
      if (isBinary) {
        // API Gateway accepts text frames only.
        ws.close(1003, 'Binary frames are not supported');
        return;
      }
      this.track(this.route(connection, Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)));
    });
    ws.on('error', () => undefined); // 1009 and protocol errors close the socket; 'close' does the rest
    ws.on('close', (code: number, reason: Buffer) => {
      for (const timer of connection.timers) clearTimeout(timer);
      connection.state = 'closed';
      this.connections.delete(connection.id);
      this.track(this.disconnect(connection, code, reason.toString() || closeReason(code)));
    });
  }

  private async route(connection: Connection, data: Buffer): Promise<void> {
    const body = data.toString('utf8');
    let routeKey = '$default';
    try {
      const parsed = JSON.parse(body) as unknown;
      const type = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
      if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(ROUTES, type) && type !== '$default') {
        routeKey = type;
      }
    } catch {
      // Not JSON: API Gateway cannot evaluate the selection expression and uses $default with the raw body.
    }
    const target = ROUTES[routeKey]!;
    if (target === 'mock') return;
    const requestContext = {
      ...this.requestContext(connection, routeKey, 'MESSAGE'),
      messageId: randomBytes(12).toString('base64'),
      authorizer: connection.authorizer,
    };
    try {
      await this.options.runtime.invoke(target, { requestContext, body, isBase64Encoded: false });
    } catch (error) {
      this.log(`${target} (${routeKey}) failed: ${describe(error)}`);
      // What API Gateway sends the client when the integration fails.
      this.post(connection.id, Buffer.from(integrationFailureFrame(connection.id, requestContext.requestId)));
    }
  }

  private async disconnect(connection: Connection, code: number, reason: string): Promise<void> {
    const requestContext = {
      ...this.requestContext(connection, '$disconnect', 'DISCONNECT'),
      disconnectStatusCode: code,
      disconnectReason: reason,
      authorizer: connection.authorizer,
    };
    try {
      await this.options.runtime.invoke('WsDisconnect', {
        headers: { Host: this.options.domainName(), 'x-api-key': '', 'X-Forwarded-For': '' },
        multiValueHeaders: {},
        requestContext,
        isBase64Encoded: false,
      });
    } catch (error) {
      this.log(`WsDisconnect failed: ${describe(error)}`);
    }
  }

  private requestContext(connection: Connection, routeKey: string, eventType: string) {
    const now = new Date();
    return {
      routeKey,
      eventType,
      extendedRequestId: randomBytes(12).toString('base64'),
      requestTime: apiGatewayTime(now),
      messageDirection: 'IN',
      stage: this.options.stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      requestId: randomBytes(12).toString('base64'),
      domainName: this.options.domainName(),
      connectionId: connection.id,
      apiId: this.options.apiId,
    };
  }

  private track(promise: Promise<unknown>): void {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise));
  }

  private log(line: string): void {
    (this.options.log ?? console.error)(`[websocket] ${line}`);
  }
}

/** Connection ids look like API Gateway's: 16 base64 characters ending in '='. */
function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}

/** The `Sec-WebSocket-Protocol` header of a `$connect` integration response, whatever its case. */
function echoedProtocol(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || !('headers' in result)) return undefined;
  const headers = (result as { headers: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const wanted = PROTOCOL_HEADER.toLowerCase();
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === wanted && typeof value === 'string') return value;
  }
  return undefined;
}

function statusOf(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const status = Number((result as { statusCode: unknown }).statusCode);
    return Number.isInteger(status) ? status : 500;
  }
  return 200;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
};

export function rejectUpgrade(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const text = STATUS_TEXT[status] ?? 'Error';
  const body = JSON.stringify({ message: text });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Headers as the client sent them, plus the X-Forwarded-* ones API Gateway adds (and overwrites). */
function eventHeaders(req: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  };
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (/^x-forwarded-/i.test(req.rawHeaders[i]!)) continue;
    add(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  add('X-Forwarded-For', normalizeIp(req.socket.remoteAddress));
  add('X-Forwarded-Port', String(req.socket.localPort ?? ''));
  add('X-Forwarded-Proto', 'http');
  return { headers, multiValueHeaders };
}

function eventQuery(url: URL) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function closeReason(code: number): string {
  if (code === 1000) return 'Normal closure';
  if (code === 1001) return 'Going away';
  if (code === 1009) return 'Message too big';
  return 'Connection closed';
}
