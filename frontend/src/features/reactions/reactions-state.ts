import type { ReactionEmoji } from '../../../../functions/shared/protocol/reactions';
import type { Participant } from '../../../../functions/shared/protocol/room';
import type { Reducers, RoomState } from '../../meeting/room-state';

/** One reaction as received; `seq` tells views which ones they have already shown. */
export interface ReceivedReaction {
  seq: number;
  peerId: string;
  emoji: ReactionEmoji;
}

export interface ReactionsSlice {
  /** The latest reactions, oldest first (views show each once, for a few seconds; nothing here expires). */
  reactions: ReceivedReaction[];
}

export const initialReactionsSlice: ReactionsSlice = { reactions: [] };

/** More than any page can show at once; older ones have long faded from their tiles. */
export const KEPT_REACTIONS = 20;

export const reactionsReducers: Reducers<RoomState> = {
  reaction: (s, m) => {
    const seq = (s.reactions.at(-1)?.seq ?? 0) + 1;
    return { ...s, reactions: [...s.reactions, { seq, peerId: m.peerId, emoji: m.emoji }].slice(-KEPT_REACTIONS) };
  },
};

/** Raised hands, first raised first (the server stamps `handRaisedAt`; join order breaks a tie). */
export function raisedHands(roster: readonly Participant[]): Participant[] {
  return roster
    .filter((p) => p.handRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0) || a.joinedAt - b.joinedAt);
}
