import * as z from 'zod';
import { Unauthorized } from '../shared/errors';
import type { ConnectionKind, RoomRole } from './connection-registry';

/** The parts of an API Gateway WebSocket event (and the local gateway's copy of it) that signaling reads. */
export interface WsEvent {
  requestContext: {
    connectionId: string;
    routeKey?: string;
    authorizer?: Record<string, unknown> | null;
    /** `$connect` only: who opened the socket (the edge server's address when it came through CloudFront). */
    identity?: { sourceIp?: string };
  };
  /** `$connect` only: the handshake's headers. */
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WsResult {
  statusCode: number;
  body?: string;
  /** Only `$connect` answers with headers: the subprotocol echo the handshake needs. */
  headers?: Record<string, string>;
}

/** Who is on the socket, as the $connect authorizer established it from the room ticket (never from the client). */
export interface ConnectionIdentity {
  sub: string;
  name: string;
  roomId: string;
  peerId: string;
  role: RoomRole;
  kind: ConnectionKind;
}

// API Gateway adds principalId/integrationLatency next to the context keys; z.object drops them.
const identitySchema = z.object({
  sub: z.string().min(1),
  name: z.string(),
  roomId: z.string().min(1),
  peerId: z.string().min(1),
  role: z.enum(['host', 'cohost', 'member', 'lobby']),
  kind: z.enum(['peer', 'room']),
});

// A user socket carries no peer id: it speaks for nobody in any room, it only listens.
const userIdentitySchema = z.object({
  sub: z.string().min(1),
  name: z.string(),
  roomId: z.string().startsWith('user:'),
  peerId: z.literal(''),
  role: z.literal('member'),
  kind: z.literal('user'),
});

/** Reads the authorizer context; a socket without one never passed the authorizer and is refused. */
export function identityOf(event: WsEvent): ConnectionIdentity {
  const raw = event.requestContext.authorizer ?? undefined;
  // WebSocket APIs put the context keys at the top level; accept the HTTP API's `lambda` nesting as well.
  const flat = raw && typeof raw.lambda === 'object' && raw.lambda ? raw.lambda : raw;
  const parsed = z.union([identitySchema, userIdentitySchema]).safeParse(flat);
  if (!parsed.success) throw new Unauthorized('The socket has no valid room ticket context');
  return parsed.data;
}

/**
 * The address a `$connect` is counted under: the viewer CloudFront names (CloudFront-Viewer-Address, ip:port), else
 * the source address. The WebSocket origin is reachable without CloudFront, where that header can be typed; the
 * per-identity limit (tickets are rate-limited per address at sign-in and join, behind the verified edge secret)
 * is what bounds such a caller, this one only spreads a crowd behind one address.
 */
export function viewerAddress(event: WsEvent): string {
  const headers = event.headers ?? {};
  const viewer = Object.entries(headers).find(([k]) => k.toLowerCase() === 'cloudfront-viewer-address')?.[1];
  const match = viewer ? /^(.*):\d{1,5}$/.exec(viewer.trim()) : null;
  return match?.[1] ?? event.requestContext.identity?.sourceIp ?? 'unknown';
}

export function bodyOf(event: WsEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}
