import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { isAppError } from '../shared/errors';
import { logger } from '../shared/logger';
import {
  CREDENTIAL_QUERY_PARAMETERS,
  credentialFromProtocols,
  PROTOCOL_HEADER,
} from '../shared/protocol/socket-credential';
import { userRoomKey } from '../signaling/connection-registry';
import { header, isAllowedOrigin } from './origins';
import {
  verifyAccessToken,
  verifyRoomTicket,
  type AccessClaims,
  type AccountKind,
  type RoomTicketClaims,
} from './tickets';

/** What WsConnect and the room socket read from `event.requestContext.authorizer`. */
export interface SocketAuthContext {
  sub: string;
  name: string;
  roomId: string;
  peerId: string;
  role: RoomTicketClaims['role'];
  kind: 'peer' | 'room' | 'user';
  account: AccountKind;
  [key: string]: string;
}

export type Decision =
  | { allow: true; context: SocketAuthContext }
  | { allow: false; status: 401 | 403; reason: string; claims?: Pick<RoomTicketClaims, 'sub'> & { roomId?: string } };

type Query = Record<string, string | undefined> | null | undefined;

/** The checks themselves, separate from API Gateway's result format so each refusal is testable by its reason. */
export async function decide(
  query: Query,
  headers: Record<string, string | undefined> | null | undefined,
  verify: (token: string) => Promise<RoomTicketClaims> = verifyRoomTicket,
  verifyAccess: (token: string) => Promise<AccessClaims> = verifyAccessToken,
): Promise<Decision> {
  // A credential in the URL is refused even next to a good header: URLs are written to access logs, and a client
  // that still puts one there must break loudly rather than keep leaking it.
  if (CREDENTIAL_QUERY_PARAMETERS.some((name) => query?.[name] !== undefined)) {
    return { allow: false, status: 401, reason: 'credential-in-url' };
  }
  const token = credentialFromProtocols(header(headers, PROTOCOL_HEADER));
  if (!token) return { allow: false, status: 401, reason: 'no-token' };
  // `key` wins: a PeerJS socket is never a user socket, whatever else the query says.
  if (query?.scope === 'user' && query.key === undefined) return decideUserSocket(token, headers, verifyAccess);
  let claims: RoomTicketClaims;
  try {
    claims = await verify(token);
  } catch (error) {
    if (isAppError(error) && error.status === 401) return { allow: false, status: 401, reason: error.code };
    throw error; // Secrets Manager down etc.: let Lambda report it instead of passing it off as a bad ticket
  }
  // Browsers always send Origin on WebSocket upgrades; checking it stops another site from opening a socket
  // with a ticket it somehow obtained (cross-site WebSocket hijacking).
  if (!isAllowedOrigin(header(headers, 'origin'))) return { allow: false, status: 403, reason: 'origin', claims };
  // PeerJS sends its own id as `id`; it must be the one the ticket was issued for, or a guest could take over
  // another participant's peer id and receive their offers.
  const kind = query?.key !== undefined ? 'peer' : 'room';
  if (kind === 'peer' && query?.id !== claims.peerId) return { allow: false, status: 403, reason: 'peer-id', claims };
  if (kind === 'room' && query?.id !== undefined && query.id !== claims.peerId) {
    return { allow: false, status: 403, reason: 'peer-id', claims };
  }
  // Someone waiting in the lobby may hold the room socket (to hear "admitted") but no media signaling.
  if (kind === 'peer' && claims.role === 'lobby') return { allow: false, status: 403, reason: 'lobby', claims };
  const { sub, name, roomId, peerId, role, account } = claims;
  return { allow: true, context: { sub, name, roomId, peerId, role, kind, account } };
}

/**
 * The owner's own socket (Recordings page): an ACCESS token, since it belongs to no room. Its audience differs
 * from a room ticket's, so neither credential is accepted in the other's place.
 */
async function decideUserSocket(
  token: string,
  headers: Record<string, string | undefined> | null | undefined,
  verifyAccess: (token: string) => Promise<AccessClaims>,
): Promise<Decision> {
  let claims: AccessClaims;
  try {
    claims = await verifyAccess(token);
  } catch (error) {
    if (isAppError(error) && error.status === 401) return { allow: false, status: 401, reason: error.code };
    throw error;
  }
  if (!isAllowedOrigin(header(headers, 'origin'))) return { allow: false, status: 403, reason: 'origin', claims };
  const { sub, name } = claims;
  return {
    allow: true,
    context: { sub, name, roomId: userRoomKey(sub), peerId: '', role: 'member', kind: 'user', account: claims.kind },
  };
}

function policy(effect: 'Allow' | 'Deny', methodArn: string, principalId: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  };
}

/**
 * `$connect` REQUEST authorizer for every socket (identity source: the `Sec-WebSocket-Protocol` header, which
 * carries the credential as a `cn-credential.<jwt>` subprotocol; see functions/shared/protocol/socket-credential.ts).
 * 401 (throw 'Unauthorized') for a missing or invalid ticket, 403 (Deny) for a valid ticket used where it may not be.
 * The ticket is never logged: it is a bearer credential for the next five minutes.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const decision = await decide(event.queryStringParameters, event.headers);
  const connectionId = event.requestContext?.connectionId;
  if (decision.allow) {
    const { sub, roomId, peerId, role, kind } = decision.context;
    logger.info('socket authorized', { connectionId, sub, roomId, peerId, role, kind });
    return { ...policy('Allow', event.methodArn, sub), context: decision.context };
  }
  logger.warn('socket refused', {
    connectionId,
    reason: decision.reason,
    sub: decision.claims?.sub,
    roomId: decision.claims?.roomId,
  });
  if (decision.status === 401) throw new Error('Unauthorized'); // API Gateway's literal for a 401 response
  return policy('Deny', event.methodArn, decision.claims?.sub ?? 'anonymous');
}
