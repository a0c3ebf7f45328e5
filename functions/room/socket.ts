import * as z from 'zod';
import { accountKindSchema } from '../auth/tickets';
import { logger } from '../shared/logger';
import { errorMessage, peerIdSchema, ticketRoleSchema } from '../shared/protocol/room';
import { handler as relayPeerFrame } from '../signaling/relay';
import { receiveRoomMessage } from './receive';
import type { RoomDeps, SocketIdentity } from './room-context';
import { roomDeps } from './room-deps';

/** The part of an API Gateway WebSocket event this handler reads. */
export interface RoomSocketEvent {
  requestContext: { connectionId: string; routeKey?: string; authorizer?: Record<string, unknown> | null };
  body?: string | null;
  isBase64Encoded?: boolean;
}

const authorizerSchema = z.object({
  sub: z.string().min(1),
  name: z.string(),
  roomId: z.string().min(1),
  peerId: peerIdSchema,
  role: ticketRoleSchema,
  kind: z.enum(['peer', 'room']),
  // Sockets authorized before the claim existed carry none: guest, the cautious reading.
  account: accountKindSchema.default('guest'),
});

/** The authorizer context sits at `requestContext.authorizer` for WebSocket APIs (under `.lambda` for HTTP APIs). */
function flatAuthorizer(event: RoomSocketEvent): Record<string, unknown> {
  const raw = event.requestContext.authorizer ?? {};
  return 'lambda' in raw && typeof raw.lambda === 'object' && raw.lambda
    ? (raw.lambda as Record<string, unknown>)
    : raw;
}

type PeerFrameHandler = (event: RoomSocketEvent) => Promise<{ statusCode: number }>;

export function createRoomSocketHandler(deps: () => RoomDeps, peerFrame: PeerFrameHandler = relayPeerFrame) {
  return async (event: RoomSocketEvent): Promise<{ statusCode: number }> => {
    const connectionId = event.requestContext.connectionId;
    const flat = flatAuthorizer(event);
    // A user socket (Recordings page) only receives its owner's pushes. It sits in no room, so nothing it sends
    // may reach room logic: the sender alone hears why, and nothing else happens.
    if (flat.kind === 'user') {
      await deps().notifier.send(
        connectionId,
        errorMessage('not_allowed', 'This socket only receives your recording updates; it accepts no messages'),
      );
      return { statusCode: 403 };
    }
    const auth = authorizerSchema.safeParse(flat);
    // Every socket passed the authorizer; a context without identity is a wiring bug, not a user error.
    if (!auth.success) throw new Error(`Room socket ${connectionId} has no valid authorizer context`);
    // A PeerJS-socket frame lands here when route selection cannot match it (not JSON, unknown type): the
    // signaling relay answers it with a PeerJS ERROR frame, the only error the peerjs client understands.
    if (auth.data.kind !== 'room') return peerFrame(event);
    const d = deps();
    const { kind: _kind, ...identity } = auth.data;
    const who: SocketIdentity = { connectionId, ...identity };
    logger.appendKeys({ roomId: who.roomId, connectionId, peerId: who.peerId });
    const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    await receiveRoomMessage(d, who, body ?? undefined);
    return { statusCode: 200 };
  };
}

/** RoomSocket: the `$default` route of the WebSocket API (every lower-case room message). */
export const handler = createRoomSocketHandler(roomDeps);
