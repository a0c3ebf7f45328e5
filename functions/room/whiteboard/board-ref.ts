/**
 * Which board a participant draws on: the main room's, or during breakouts their breakout room's (one per room and
 * opening). Chat and reactions follow the same places (breakouts/places.ts); so do board updates, status and clears.
 */
import { MAIN_BOARD, boardIdSchema, breakoutBoardId, type BoardId } from '../../shared/protocol/whiteboard';
import { roomIdSchema } from '../../shared/protocol/room';
import { MAIN, placeOf, roommatesOf } from '../breakouts/places';
import type { LiveParticipant } from '../live-state';
import type { RoomDeps } from '../room-context';

export interface BoardRef {
  roomId: string;
  board: BoardId;
}

/** The board's name in the index of live boards: `R` for the main room's, `R/<opening>/bN` for a breakout room's. */
export const boardKey = (ref: BoardRef): string =>
  ref.board === MAIN_BOARD ? ref.roomId : `${ref.roomId}/${ref.board}`;

/** Reads `boardKey` back; undefined for anything it never wrote. */
export function parseBoardKey(key: string): BoardRef | undefined {
  const slash = key.indexOf('/');
  const roomId = roomIdSchema.safeParse(slash < 0 ? key : key.slice(0, slash));
  const board = boardIdSchema.safeParse(slash < 0 ? MAIN_BOARD : key.slice(slash + 1));
  return roomId.success && board.success ? { roomId: roomId.data, board: board.data } : undefined;
}

export const mainBoard = (roomId: string): BoardRef => ({ roomId, board: MAIN_BOARD });

/** The board of `sub`'s place, and the people in that place (who alone hear about it). */
export async function boardOf(
  deps: RoomDeps,
  roomId: string,
  sub: string,
): Promise<{ ref: BoardRef; audience: LiveParticipant[] }> {
  const [breakouts, roster] = await Promise.all([deps.breakouts.current(roomId), deps.live.roster(roomId)]);
  if (!breakouts) return { ref: mainBoard(roomId), audience: roster };
  const places = await deps.breakouts.places(roomId);
  const place = placeOf(places, sub);
  return {
    ref: place === MAIN ? mainBoard(roomId) : { roomId, board: breakoutBoardId(breakouts.id, place) },
    audience: roommatesOf(roster, places, sub),
  };
}
