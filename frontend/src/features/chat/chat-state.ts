import type { ChatMessage } from '../../../../functions/shared/protocol/room';
import type { Reducers, RoomState } from '../../meeting/room-state';

export interface ChatSlice {
  /** Every chat message seen in this meeting, oldest first, each id once. */
  chat: ChatMessage[];
}

/** Adds the messages not yet held; the same array when nothing is new (a re-join repeats history we show). */
export function mergeChat(held: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const known = new Set(held.map((c) => c.id));
  const fresh: ChatMessage[] = [];
  for (const c of incoming) {
    if (known.has(c.id)) continue;
    known.add(c.id);
    fresh.push(c);
  }
  return fresh.length ? [...held, ...fresh] : held;
}

export const chatReducers: Reducers<RoomState> = {
  welcome: (s, m) => ({ ...s, chat: mergeChat(s.chat, m.chat) }),
  'chat.message': (s, m) => ({ ...s, chat: mergeChat(s.chat, [m.message]) }),
  // Each breakout room has its own chat: moving shows the new room's, never the old room's.
  'breakout.moved': (s, m) => ({ ...s, chat: m.chat }),
};
