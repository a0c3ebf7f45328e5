/*
 * Breakout rooms as this browser knows them: the open rooms and who is where (server state, replaced whole on each
 * `breakout.state`), the latest broadcast, and where we are. Pure functions only; the views draw from them.
 */
import { BREAKOUT_LIMITS, type BreakoutRoom, type BreakoutView } from '../../../../functions/shared/protocol/breakouts';
import type { Reducers, RoomState } from '../../meeting/room-state';

export interface BreakoutBroadcast {
  /** Increases with each broadcast, so the banner shows each one once. */
  seq: number;
  by: string;
  text: string;
}

export interface BreakoutsSlice {
  /** The open breakout rooms, or null. */
  breakouts: BreakoutView | null;
  /** The latest broadcast from a host while rooms are open. */
  broadcast: BreakoutBroadcast | null;
}

export const initialBreakoutsSlice: BreakoutsSlice = { breakouts: null, broadcast: null };

export const breakoutsReducers: Reducers<RoomState> = {
  welcome: (s, m) => ({ ...s, breakouts: m.breakouts ?? null }),
  'breakout.state': (s, m) => ({ ...s, breakouts: m.breakouts, broadcast: m.breakouts ? s.broadcast : null }),
  'breakout.broadcast': (s, m) => ({
    ...s,
    broadcast: { seq: (s.broadcast?.seq ?? 0) + 1, by: m.by, text: m.text },
  }),
};

/** The room `peerId` is in (null: the main room, or no rooms open). */
export function roomOf(view: BreakoutView | null, peerId: string | null): BreakoutRoom | null {
  if (!view || !peerId) return null;
  const id = view.people.find((p) => p.peerId === peerId)?.room ?? null;
  return view.rooms.find((r) => r.id === id) ?? null;
}

/** The people in each room (main room under `null`), in the order the server lists them. */
export function peopleByRoom(view: BreakoutView): Map<string | null, BreakoutView['people']> {
  const out = new Map<string | null, BreakoutView['people']>([[null, []]]);
  for (const r of view.rooms) out.set(r.id, []);
  for (const p of view.people) out.get(p.room)?.push(p);
  return out;
}

export type TimerPhase =
  | { phase: 'none' }
  | { phase: 'running'; secondsLeft: number; warning: boolean }
  | { phase: 'returning'; secondsLeft: number }
  | { phase: 'due' };

/** Where the timer stands at `now`: running (warned in the last minute), the return countdown, or due for closing. */
export function timerPhase(view: BreakoutView | null, now: number): TimerPhase {
  if (!view || view.endsAt === null) return { phase: 'none' };
  const left = Math.ceil((view.endsAt - now) / 1000);
  if (left > 0) return { phase: 'running', secondsLeft: left, warning: left <= BREAKOUT_LIMITS.warningSeconds };
  const back = left + BREAKOUT_LIMITS.returnCountdownSeconds;
  return back > 0 ? { phase: 'returning', secondsLeft: back } : { phase: 'due' };
}

/** `m:ss` for the timer display. */
export function formatSeconds(total: number): string {
  const s = Math.max(0, total);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Default names for `count` rooms: "Room 1" … */
export function defaultRoomNames(count: number): string[] {
  return Array.from({ length: count }, (_v, i) => `Room ${i + 1}`);
}
