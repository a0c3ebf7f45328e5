import { AppError } from '../shared/errors';
import type { ErrorCode } from '../shared/protocol/room';

/** A room rule refused an action. `code` is the socket protocol's error code; `status` is for the HTTP edge. */
export class RoomRuleError extends AppError {
  constructor(
    readonly socketCode: ErrorCode,
    message: string,
    status = 403,
    /** Close the sender's socket after telling them (there is nothing more it could do in this room). */
    readonly closeSocket = false,
  ) {
    super(socketCode, message, status);
  }
}

export const notAllowed = (message: string) => new RoomRuleError('not_allowed', message, 403);
export const notInRoom = () => new RoomRuleError('not_in_room', 'You are not in this room: send join first', 409);
export const notFound = (message: string) => new RoomRuleError('not_found', message, 404);
export const roomFull = (present: number, max: number) =>
  new RoomRuleError('room_full', `Room is full (${present}/${max})`, 409);
export const roomEnded = (closeSocket = false) =>
  new RoomRuleError('room_ended', 'This meeting has ended', 410, closeSocket);
export const removedFromRoom = () => new RoomRuleError('not_allowed', 'You were removed from this meeting', 403, true);
/** The ticket's peer id is no longer the identity's current membership (see functions/shared/membership.ts). */
export const notAMember = () =>
  new RoomRuleError(
    'not_a_member',
    'This ticket no longer admits you: you left, were removed, or joined again from elsewhere',
    403,
    true,
  );
