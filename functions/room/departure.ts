import { LIMITS, type LeaveReason, type ServerMessage } from '../shared/protocol/room';
import type { LiveParticipant } from './live-state';
import { broadcast, publicParticipant, publicWaiter, type RoomDeps } from './room-context';
import { recorderGone } from './reactions/recording-notice';
import { groupByPlace, roommatesOf } from './breakouts/places';
import { breakoutPeopleChanged } from './breakouts/breakout-state';

/**
 * Sends `message` to everyone in the room; participants whose socket turned out to be gone are treated as
 * disconnected (their $disconnect may never arrive if API Gateway lost it). A message built from the roster is built
 * once per place (main room, each breakout room) from that place's roster: each person sees only their roommates.
 */
export async function announce(
  deps: RoomDeps,
  roomId: string,
  message: ServerMessage | ((roster: LiveParticipant[]) => ServerMessage),
  except?: string,
): Promise<void> {
  const roster = await deps.live.roster(roomId);
  let gone: LiveParticipant[];
  if (typeof message === 'function') {
    const groups = groupByPlace(roster, await deps.breakouts.places(roomId));
    gone = (await Promise.all(groups.map((group) => broadcast(deps, group, message(group), except)))).flat();
  } else {
    gone = await broadcast(deps, roster, message, except);
  }
  for (const p of gone) await depart(deps, roomId, p, 'disconnected');
}

/** Sends `message` only to the people in `sub`'s place (main room or their breakout room): chat, reactions, joins. */
export async function announceToPlaceOf(
  deps: RoomDeps,
  roomId: string,
  sub: string,
  message: ServerMessage,
  except?: string,
): Promise<void> {
  const [roster, places] = await Promise.all([deps.live.roster(roomId), deps.breakouts.places(roomId)]);
  const gone = await broadcast(deps, roommatesOf(roster, places, sub), message, except);
  for (const p of gone) await depart(deps, roomId, p, 'disconnected');
}

export const rosterUpdate = (roster: LiveParticipant[]): ServerMessage => ({
  type: 'roster.update',
  roster: roster.map(publicParticipant),
});

/**
 * Takes a participant out of the live roster (only while `p.connectionId` still speaks for them), tells the room,
 * and hands the host role over if they held it. Returns false when someone else already removed them.
 */
export async function depart(deps: RoomDeps, roomId: string, p: LiveParticipant, reason: LeaveReason) {
  const removed = await deps.live.removeParticipant(roomId, p.peerId, p.connectionId);
  if (!removed) return false;
  await announce(deps, roomId, { type: 'peer.left', peerId: removed.peerId, reason });
  // A recorder who is gone records no more: the room must not keep saying it is being recorded.
  await recorderGone(deps, roomId, removed.peerId);
  // The hosts' breakout panel lists who is where: it must not keep someone who left.
  await breakoutPeopleChanged(deps, roomId);
  if (removed.role !== 'host') return true;
  if (reason === 'left') await handOverHost(deps, roomId, removed, 'left');
  if (reason === 'disconnected') await hostWentAway(deps, roomId, removed);
  return true;
}

/**
 * The host's socket dropped (reload, blip, the 2-hour cut): the role belongs to the identity, so they keep it for
 * the grace period and the room is told. Pages ask for a new host (`grace.expired`) once it has passed.
 */
async function hostWentAway(deps: RoomDeps, roomId: string, host: LiveParticipant): Promise<void> {
  const roster = await deps.live.roster(roomId);
  if (roster.some((p) => p.sub === host.sub)) return;
  const graceSeconds = LIMITS.hostGraceSeconds;
  await deps.live.setHostAway(roomId, { sub: host.sub, name: host.name, until: deps.now() + graceSeconds * 1000 });
  await announce(deps, roomId, { type: 'host.away', name: host.name, graceSeconds });
}

/**
 * A participant says the grace period is over. The server decides: only past the deadline, only if the host is
 * still not back, and only once however many pages ask.
 */
export async function graceExpired(deps: RoomDeps, roomId: string): Promise<void> {
  const away = await deps.live.getHostAway(roomId);
  if (!away || deps.now() < away.until) return;
  if (!(await deps.live.takeHostAway(roomId))) return;
  await handOverHost(deps, roomId, away, 'away');
}

/**
 * Closes every socket (room and PeerJS) of one roster entry, found through the connection registry, plus `also`
 * (sockets the caller knows of that may not be registered yet).
 */
export async function closeSocketsOf(
  deps: RoomDeps,
  roomId: string,
  entry: { sub: string; peerId: string },
  also: readonly string[] = [],
): Promise<void> {
  const registered = await deps.connections.listRoom(roomId);
  const ids = registered.filter((c) => c.sub === entry.sub && c.peerId === entry.peerId).map((c) => c.connectionId);
  await Promise.all([...new Set([...also, ...ids])].map((id) => deps.notifier.close(id)));
}

/**
 * The same person joined again (another tab or device): their earlier entry leaves the roster, its sockets are told
 * why and closed, and the room hears that it was replaced (so no page keeps a tile or a call for it).
 */
export async function replaceEntry(deps: RoomDeps, roomId: string, old: LiveParticipant, except: string) {
  const removed = await deps.live.removeParticipant(roomId, old.peerId, old.connectionId);
  await deps.notifier.send(old.connectionId, { type: 'session.replaced' });
  await closeSocketsOf(deps, roomId, old, [old.connectionId]);
  if (removed) await announce(deps, roomId, { type: 'peer.left', peerId: old.peerId, reason: 'replaced' }, except);
  if (removed) await recorderGone(deps, roomId, old.peerId);
}

/**
 * The host left: the longest-present cohost becomes host, else the longest-present member. Not when the same
 * person is still here in another tab, and not when nobody is left (the host keeps the role for their return).
 */
export async function handOverHost(
  deps: RoomDeps,
  roomId: string,
  oldHost: { sub: string; name: string },
  reason: 'left' | 'away',
): Promise<void> {
  const roster = await deps.live.roster(roomId);
  if (roster.some((p) => p.sub === oldHost.sub)) return;
  const next = roster.find((p) => p.role === 'cohost') ?? roster.find((p) => p.role === 'member');
  if (!next) return;
  await deps.store.transferHost(roomId, oldHost.sub, { sub: next.sub, name: next.name });
  for (const p of roster.filter((r) => r.sub === next.sub)) {
    await deps.live.updateParticipant(roomId, p.peerId, { role: 'host' });
  }
  await announce(deps, roomId, rosterUpdate);
  await announce(deps, roomId, { type: 'host.changed', name: next.name, previous: oldHost.name, reason });
  // The new host now answers the lobby, so they need to see who is waiting.
  const lobby = await deps.live.lobby(roomId);
  for (const p of roster.filter((r) => r.sub === next.sub)) {
    await deps.notifier.send(p.connectionId, { type: 'lobby.update', lobby: lobby.map(publicWaiter) });
  }
}
