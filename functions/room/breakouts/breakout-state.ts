/**
 * The breakout state each participant is sent: rooms, who is where, the timer, and (hosts and cohosts only) who
 * asked for help. Sent whole after every change (rooms are small; a snapshot cannot drift).
 */
import type { BreakoutView, HelpRequest } from '../../shared/protocol/breakouts';
import type { LiveParticipant } from '../live-state';
import { HOSTS, type RoomDeps } from '../room-context';
import type { LiveBreakouts } from './breakout-live';
import type { Places } from './places';

export function breakoutView(
  b: LiveBreakouts,
  roster: readonly LiveParticipant[],
  places: Places,
  help: ReadonlyMap<string, HelpRequest>,
  forHost: boolean,
): BreakoutView {
  const present = new Set(roster.map((p) => p.sub));
  return {
    id: b.id,
    mode: b.mode,
    rooms: b.rooms,
    people: roster.map((p) => ({ peerId: p.peerId, name: p.name, room: places.get(p.sub) ?? null })),
    endsAt: b.endsAt,
    help: forHost ? [...help].filter(([sub]) => present.has(sub)).map(([, r]) => r) : [],
  };
}

/** Everyone gets the current state (or `null` once closed). Sockets found gone are left to their $disconnect. */
export async function sendBreakoutState(deps: RoomDeps, roomId: string): Promise<void> {
  const [b, roster] = await Promise.all([deps.breakouts.current(roomId), deps.live.roster(roomId)]);
  if (!b) {
    await Promise.all(
      roster.map((p) => deps.notifier.send(p.connectionId, { type: 'breakout.state', breakouts: null })),
    );
    return;
  }
  const [places, help] = await Promise.all([deps.breakouts.places(roomId), deps.breakouts.help(roomId)]);
  await Promise.all(
    roster.map((p) =>
      deps.notifier.send(p.connectionId, {
        type: 'breakout.state',
        breakouts: breakoutView(b, roster, places, help, HOSTS.includes(p.role)),
      }),
    ),
  );
}

/** Someone joined or left: while rooms are open, the hosts' panel (and everyone's room list) must show it. */
export async function breakoutPeopleChanged(deps: RoomDeps, roomId: string): Promise<void> {
  if (await deps.breakouts.current(roomId)) await sendBreakoutState(deps, roomId);
}
