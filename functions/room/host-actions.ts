import { announce, rosterUpdate } from './departure';
import { notAllowed, notFound, roomEnded } from './errors';
import type { LiveParticipant } from './live-state';
import {
  HOSTS,
  publicWaiter,
  requireParticipant,
  requireRole,
  type Handler,
  type RoomDeps,
  type SocketIdentity,
} from './room-context';
import { archiveOpenPollAsClosed } from './polls/poll-actions';
import { roomSettings } from './room-settings';
import { recorderGone } from './reactions/recording-notice';
import { archiveWhiteboard } from './whiteboard/whiteboard-actions';

async function target(deps: RoomDeps, who: SocketIdentity, peerId: string): Promise<LiveParticipant> {
  const t = await deps.live.getParticipant(who.roomId, peerId);
  if (!t) throw notFound('Nobody with that id is in the room');
  return t;
}

export const setCohost: Handler<'host.cohost'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, ['host'], message.cohost ? 'make someone a cohost' : 'take cohost away');
  const t = await target(deps, who, message.peerId);
  if (t.sub === p.sub || t.role === 'host') throw notAllowed('The host cannot change their own role');
  const role = message.cohost ? 'cohost' : 'member';
  await deps.store.setRole(who.roomId, t.sub, role);
  const roster = await deps.live.roster(who.roomId);
  const theirs = roster.filter((r) => r.sub === t.sub);
  for (const r of theirs) await deps.live.updateParticipant(who.roomId, r.peerId, { role });
  await announce(deps, who.roomId, rosterUpdate);
  const lobby = message.cohost ? await deps.live.lobby(who.roomId) : [];
  for (const r of theirs) {
    await deps.notifier.send(r.connectionId, { type: 'lobby.update', lobby: lobby.map(publicWaiter) });
  }
};

export const setLocked: Handler<'host.lock'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, message.locked ? 'lock the room' : 'unlock the room');
  await deps.store.setLocked(who.roomId, message.locked);
  const room = await deps.store.getRoom(who.roomId);
  if (!room) throw notFound('This room does not exist');
  await announce(deps, who.roomId, { type: 'room.update', room: roomSettings(room) });
};

/**
 * Removes a participant: recorded by identity first (so they cannot come straight back), then told why, then
 * every socket they hold in the room (room and PeerJS) is closed.
 */
export const remove: Handler<'host.remove'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'remove people');
  const t = await target(deps, who, message.peerId);
  if (t.sub === p.sub) throw notAllowed('You cannot remove yourself: leave instead');
  if (p.role === 'cohost' && HOSTS.includes(t.role)) throw notAllowed('A cohost cannot remove the host or a cohost');
  const reason = message.reason && message.reason.length > 0 ? message.reason : 'Removed by the host';
  await deps.store.recordRemoval(who.roomId, t.sub, p.sub, reason);
  // From here no door lets them back in with the ticket they hold (PeerJS $connect, join, every relayed frame).
  await deps.membership.revoke(who.roomId, t.sub);

  const roster = await deps.live.roster(who.roomId);
  const removed: LiveParticipant[] = [];
  for (const r of roster.filter((x) => x.sub === t.sub)) {
    const gone = await deps.live.removeParticipant(who.roomId, r.peerId);
    if (gone) removed.push(gone);
  }
  for (const w of (await deps.live.lobby(who.roomId)).filter((x) => x.sub === t.sub)) {
    await deps.live.removeWaiter(who.roomId, w.peerId);
  }
  const registered = (await deps.connections.listRoom(who.roomId)).filter((c) => c.sub === t.sub);
  const roomSockets = new Set([
    ...removed.map((r) => r.connectionId),
    ...registered.filter((c) => c.kind === 'room').map((c) => c.connectionId),
  ]);
  for (const id of roomSockets) await deps.notifier.send(id, { type: 'host.removed', by: p.name, reason });
  for (const id of new Set([...roomSockets, ...registered.map((c) => c.connectionId)])) {
    await deps.notifier.close(id);
  }
  for (const r of removed) {
    await announce(deps, who.roomId, { type: 'peer.left', peerId: r.peerId, reason: 'removed' });
    await recorderGone(deps, who.roomId, r.peerId);
  }
};

/** Sets everyone else's mic off. Sets, never toggles: a second "mute all" cannot unmute anyone. */
export const muteAll: Handler<'host.muteAll'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'mute everyone');
  const roster = await deps.live.roster(who.roomId);
  for (const r of roster.filter((x) => x.sub !== p.sub)) {
    await deps.live.updateParticipant(who.roomId, r.peerId, { mic: false });
  }
  await announce(deps, who.roomId, { type: 'host.mutedAll', by: p.name }, who.connectionId);
  await announce(deps, who.roomId, rosterUpdate);
};

/** Only a request: unmuting someone else's microphone is never possible. */
export const askUnmute: Handler<'host.askUnmute'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'ask someone to unmute');
  const t = await target(deps, who, message.peerId);
  await deps.notifier.send(t.connectionId, { type: 'host.unmuteRequest', by: p.name });
};

/** Ends the meeting for everyone: the room is marked ended (no new joins) and every socket in it is closed. */
export const endMeeting: Handler<'host.end'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, ['host'], 'end the meeting for everyone');
  const room = await deps.store.getRoom(who.roomId);
  if (!room || room.ended) throw roomEnded();
  await deps.store.endRoom(who.roomId);
  await deps.membership.clear(who.roomId);
  await archiveOpenPollAsClosed(deps, who.roomId);
  await archiveWhiteboard(deps, who.roomId);
  const [roster, lobby, registered] = await Promise.all([
    deps.live.roster(who.roomId),
    deps.live.lobby(who.roomId),
    deps.connections.listRoom(who.roomId),
  ]);
  const roomSockets = new Set([
    ...roster.map((r) => r.connectionId),
    ...lobby.map((w) => w.connectionId),
    ...registered.filter((c) => c.kind === 'room').map((c) => c.connectionId),
  ]);
  await Promise.all([...roomSockets].map((id) => deps.notifier.send(id, { type: 'room.ended', by: p.name })));
  await deps.live.clearRoom(who.roomId);
  const all = new Set([...roomSockets, ...registered.map((c) => c.connectionId)]);
  await Promise.all([...all].map((id) => deps.notifier.close(id)));
};
