import { z } from 'zod';
import { logger } from '../shared/logger';
import { errorMessage, peerIdSchema, ticketRoleSchema } from '../shared/protocol/room';
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
});

/** The authorizer context sits at `requestContext.authorizer` for WebSocket APIs (under `.lambda` for HTTP APIs). */
function readAuthorizer(event: RoomSocketEvent) {
  const raw = event.requestContext.authorizer ?? {};
  const flat = 'lambda' in raw && typeof raw.lambda === 'object' && raw.lambda ? raw.lambda : raw;
  return authorizerSchema.safeParse(flat);
}

export function createRoomSocketHandler(deps: () => RoomDeps) {
  return async (event: RoomSocketEvent): Promise<{ statusCode: number }> => {
    const connectionId = event.requestContext.connectionId;
    const auth = readAuthorizer(event);
    // Every socket passed the authorizer; a context without identity is a wiring bug, not a user error.
    if (!auth.success) throw new Error(`Room socket ${connectionId} has no valid authorizer context`);
    const d = deps();
    if (auth.data.kind !== 'room') {
      await d.notifier.send(connectionId, errorMessage('not_allowed', 'Room messages go over the room socket'));
      return { statusCode: 200 };
    }
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
