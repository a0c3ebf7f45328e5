import type { PollView } from '../../../../functions/shared/protocol/polls';
import type { Reducers, RoomState } from '../../meeting/room-state';

export interface PollsSlice {
  /** The open poll, or the last closed one, as the server showed it to us (our own vote included); null: none yet. */
  poll: PollView | null;
}

export const initialPollsSlice: PollsSlice = { poll: null };

/**
 * A message about an older poll than the one held (late delivery after a newer poll opened) is ignored: polls are
 * opened in time order, and the newest is the one on screen.
 */
function newest(held: PollView | null, incoming: PollView): PollView | null {
  if (held && held.poll.id !== incoming.poll.id && held.poll.openedAt > incoming.poll.openedAt) return held;
  return incoming;
}

export const pollsReducers: Reducers<RoomState> = {
  // The server sends the current poll with every welcome; none means none (e.g. after the meeting restarted).
  welcome: (s, m) => ({ ...s, poll: m.poll ?? null }),
  'poll.opened': (s, m) => ({ ...s, poll: newest(s.poll, m.view) }),
  'poll.results': (s, m) => {
    // Results for a poll already shown closed arrive late: the final view stays.
    if (s.poll?.poll.id === m.view.poll.id && s.poll.poll.closedAt !== null) return s;
    return { ...s, poll: newest(s.poll, m.view) };
  },
  'poll.closed': (s, m) => ({ ...s, poll: newest(s.poll, m.view) }),
};

export const isPollOpen = (view: PollView | null): boolean => view !== null && view.poll.closedAt === null;
