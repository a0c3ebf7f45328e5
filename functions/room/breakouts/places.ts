/**
 * Where people are while breakout rooms are open, and who therefore hears what: the roster, chat and reactions a
 * participant receives are those of their own place (the main room or one breakout room). With no rooms open
 * everyone shares the one place `MAIN`, so these helpers cost a meeting without breakouts one empty HGETALL.
 */
import type { LiveParticipant } from '../live-state';

/** The main room's key among places (breakout room ids are `b1`…`b20`). */
export const MAIN = '';

export type Places = ReadonlyMap<string, string>;

export const placeOf = (places: Places, sub: string): string => places.get(sub) ?? MAIN;

/** The participants in `sub`'s place. */
export function roommatesOf(roster: readonly LiveParticipant[], places: Places, sub: string): LiveParticipant[] {
  const place = placeOf(places, sub);
  return roster.filter((p) => placeOf(places, p.sub) === place);
}

/** The roster split by place, each group in roster order. */
export function groupByPlace(roster: readonly LiveParticipant[], places: Places): LiveParticipant[][] {
  const groups = new Map<string, LiveParticipant[]>();
  for (const p of roster) {
    const place = placeOf(places, p.sub);
    groups.set(place, [...(groups.get(place) ?? []), p]);
  }
  return [...groups.values()];
}
