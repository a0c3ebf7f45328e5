/** Which board a page shows: its breakout room's while it is in one, else the main room's. Pure. */
import type { BreakoutView } from '../../../../functions/shared/protocol/breakouts';
import { MAIN_BOARD, breakoutBoardId, type BoardId } from '../../../../functions/shared/protocol/whiteboard';
import { roomOf } from '../breakouts/breakouts-state';

export function placeBoard(breakouts: BreakoutView | null, peerId: string | null): BoardId {
  const room = roomOf(breakouts, peerId);
  return breakouts && room ? breakoutBoardId(breakouts.id, room.id) : MAIN_BOARD;
}
