/*
 * The meeting's state as this browser knows it, derived only from room-protocol messages by pure reducers.
 * Each feature owns its slice and its reducers (features/<name>/…-state.ts); this module composes them.
 */
import type {
  LobbyEntry,
  Participant,
  RoomSettings,
  ServerMessage,
  ServerMessageOf,
  ServerMessageType,
} from '../../../functions/shared/protocol/room';
import { breakoutsReducers, initialBreakoutsSlice, type BreakoutsSlice } from '../features/breakouts/breakouts-state';
import { chatReducers, type ChatSlice } from '../features/chat/chat-state';
import { initialPollsSlice, pollsReducers, type PollsSlice } from '../features/polls/polls-state';
import { initialReactionsSlice, reactionsReducers, type ReactionsSlice } from '../features/reactions/reactions-state';
import {
  initialRecordingSlice,
  recordingReducers,
  type RecordingSlice,
} from '../features/recording-notice/recording-state';

export interface RoomState extends ChatSlice, PollsSlice, ReactionsSlice, RecordingSlice, BreakoutsSlice {
  /** Our own peer id (from the join grant; it changes only when a long outage forces a rejoin). */
  selfId: string | null;
  self: Participant | null;
  room: RoomSettings | null;
  roster: Participant[];
  /** People waiting to be let in; the server fills it for hosts and cohosts only. */
  lobby: LobbyEntry[];
}

export const initialRoomState: RoomState = {
  selfId: null,
  self: null,
  room: null,
  roster: [],
  lobby: [],
  chat: [],
  ...initialPollsSlice,
  ...initialReactionsSlice,
  ...initialRecordingSlice,
  ...initialBreakoutsSlice,
};

/** A feature's reducers: one pure function per server message type it reads. */
export type Reducers<S> = { [T in ServerMessageType]?: (state: S, message: ServerMessageOf<T>) => S };

const rosterReducers: Reducers<RoomState> = {
  welcome: (s, m) => ({ ...s, self: m.self, room: m.room, roster: m.roster, lobby: m.lobby }),
  'peer.joined': (s, m) => ({
    ...s,
    roster: [...s.roster.filter((p) => p.peerId !== m.participant.peerId), m.participant],
  }),
  'peer.left': (s, m) => ({ ...s, roster: s.roster.filter((p) => p.peerId !== m.peerId) }),
  'roster.update': (s, m) => ({
    ...s,
    roster: m.roster,
    self: m.roster.find((p) => p.peerId === s.selfId) ?? s.self,
  }),
  'room.update': (s, m) => ({ ...s, room: m.room }),
  'lobby.knock': (s, m) => ({ ...s, lobby: [...s.lobby.filter((e) => e.peerId !== m.entry.peerId), m.entry] }),
  'lobby.update': (s, m) => ({ ...s, lobby: m.lobby }),
};

/** Every feature's reducers, applied in this order for each message. */
const FEATURE_REDUCERS: Reducers<RoomState>[] = [
  rosterReducers,
  chatReducers,
  pollsReducers,
  reactionsReducers,
  recordingReducers,
  breakoutsReducers,
];

/** The next state after one server message; messages no feature reads leave the state untouched (same object). */
export function reduceRoomState(state: RoomState, message: ServerMessage): RoomState {
  let next = state;
  for (const reducers of FEATURE_REDUCERS) {
    const reduce = reducers[message.type] as ((s: RoomState, m: ServerMessage) => RoomState) | undefined;
    if (reduce) next = reduce(next, message);
  }
  return next;
}

/** Sets our peer id (after the join grant or a rejoin) and re-reads `self` from the roster under it. */
export function withSelfId(state: RoomState, selfId: string | null): RoomState {
  if (state.selfId === selfId) return state;
  return { ...state, selfId, self: state.roster.find((p) => p.peerId === selfId) ?? state.self };
}

export const isHostish = (state: RoomState): boolean => state.self?.role === 'host' || state.self?.role === 'cohost';
