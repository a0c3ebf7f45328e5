import { LIMITS } from '../shared/protocol/room';
import { isAccountHolder } from '../auth/tickets';
import { roomDisplayName } from './display-name';
import { notAllowed, notFound, removedFromRoom, roomEnded, roomFull, RoomRuleError } from './errors';
import {
  HOSTS,
  othersPresent,
  publicWaiter,
  requireParticipant,
  requireRole,
  sendLobbyUpdate,
  sendToHosts,
  type Handler,
} from './room-context';

/** A lobby ticket's one move: ask to be let in. */
export const knock: Handler<'knock'> = async (deps, who) => {
  if (who.role !== 'lobby') throw notAllowed('You are already admitted: send join');
  const room = await deps.store.getRoom(who.roomId);
  if (!room) throw notFound('This room does not exist');
  if (room.ended) throw roomEnded(true);
  if (await deps.store.isRemoved(who.roomId, who.sub)) throw removedFromRoom();
  const existing = await deps.live.getWaiter(who.roomId, who.peerId);
  if (!existing && (await deps.live.lobby(who.roomId)).length >= LIMITS.lobby) {
    throw new RoomRuleError('room_full', 'The lobby is full; try again later', 409);
  }
  const waiter = {
    peerId: who.peerId,
    name: roomDisplayName(who.name),
    verified: isAccountHolder(who.account),
    knockedAt: existing?.knockedAt ?? deps.now(),
    sub: who.sub,
    connectionId: who.connectionId,
    account: who.account,
  };
  await deps.live.putWaiter(who.roomId, waiter);
  await deps.notifier.send(who.connectionId, { type: 'lobby.waiting', roomName: room.name });
  if (existing) await sendLobbyUpdate(deps, who.roomId);
  else await sendToHosts(deps, who.roomId, { type: 'lobby.knock', entry: publicWaiter(waiter) });
};

/** Lets a waiting user in: they get a member ticket for the same peer id and reconnect with it. */
export const admit: Handler<'lobby.admit'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'admit people from the lobby');
  const waiter = await deps.live.getWaiter(who.roomId, message.peerId);
  if (!waiter) throw notFound('Nobody with that id is waiting in the lobby');
  const room = await deps.store.getRoom(who.roomId);
  if (!room || room.ended) throw roomEnded();
  const roster = await deps.live.roster(who.roomId);
  const present = othersPresent(roster, waiter.sub);
  if (present >= room.maxParticipants) throw roomFull(present, room.maxParticipants);
  if (await deps.store.isRemoved(who.roomId, waiter.sub)) {
    await deps.live.removeWaiter(who.roomId, waiter.peerId);
    await deps.notifier.close(waiter.connectionId);
    await sendLobbyUpdate(deps, who.roomId);
    throw notAllowed('That person was removed from this meeting');
  }
  await deps.store.addMember(who.roomId, { sub: waiter.sub, name: waiter.name }, 'member');
  const role = (await deps.store.getRole(who.roomId, waiter.sub)) ?? 'member';
  const ticket = await deps.issueTicket({
    sub: waiter.sub,
    name: waiter.name,
    roomId: who.roomId,
    peerId: waiter.peerId,
    role,
    account: waiter.account,
  });
  await deps.membership.admit(who.roomId, waiter.sub, waiter.peerId);
  await deps.live.removeWaiter(who.roomId, waiter.peerId);
  await deps.notifier.send(waiter.connectionId, { type: 'lobby.admitted', ticket, role });
  await sendLobbyUpdate(deps, who.roomId);
};

export const deny: Handler<'lobby.deny'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'turn people away from the lobby');
  const waiter = await deps.live.removeWaiter(who.roomId, message.peerId);
  if (!waiter) throw notFound('Nobody with that id is waiting in the lobby');
  await deps.notifier.send(waiter.connectionId, { type: 'lobby.denied', reason: 'The host did not let you in' });
  await deps.notifier.close(waiter.connectionId);
  await sendLobbyUpdate(deps, who.roomId);
};

/** A waiting user gives up (or their socket closed). */
export async function leaveLobby(
  deps: Parameters<Handler<'leave'>>[0],
  roomId: string,
  peerId: string,
  connectionId: string,
): Promise<void> {
  const waiter = await deps.live.removeWaiter(roomId, peerId, connectionId);
  if (waiter) await sendLobbyUpdate(deps, roomId);
}
