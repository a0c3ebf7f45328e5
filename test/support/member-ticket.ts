import { isAccountHolder, issueRoomTicket, type RoomTicketInput } from '../../functions/auth/tickets';
import { RedisLiveRoomState } from '../../functions/room/live-state';
import { INITIAL_MEDIA_STATE } from '../../functions/shared/protocol/room';
import { RedisMembership } from '../../functions/shared/membership';

/**
 * A room ticket in the state a browser reaches after `POST /api/rooms/{id}/join` and the room socket's `join`: the
 * ticket, its membership (functions/shared/membership.ts) and a roster entry, written to the same Redis the
 * in-process local cloud uses. For tests of the PeerJS wire that do not drive the room flow (it has its own tests).
 * A lobby ticket gets neither membership nor a roster entry, as in the product.
 */
export async function issueMemberTicket(claims: RoomTicketInput): Promise<string> {
  await markJoined(claims);
  return issueRoomTicket(claims);
}

/** The membership and roster entry of `issueMemberTicket`, without the ticket (for handler tests). */
export async function markJoined(claims: RoomTicketInput): Promise<void> {
  if (claims.role !== 'lobby') {
    await new RedisMembership().admit(claims.roomId, claims.sub, claims.peerId);
    await new RedisLiveRoomState().putParticipant(claims.roomId, {
      ...INITIAL_MEDIA_STATE,
      peerId: claims.peerId,
      sub: claims.sub,
      connectionId: `test-room-socket-${claims.peerId}`,
      name: claims.name,
      role: claims.role,
      verified: isAccountHolder(claims.account ?? 'guest'),
      joinedAt: Date.now(),
    });
  }
}
