import { INITIAL_MEDIA_STATE, type ChatMessage, type MediaState } from '../shared/protocol/room';
import { avatarKeySchema, avatarUrlOf } from '../shared/protocol/avatars';
import {
  announce,
  announceToPlaceOf,
  closeSocketsOf,
  depart,
  graceExpired,
  replaceEntry,
  rosterUpdate,
} from './departure';
import { isAccountHolder } from '../auth/tickets';
import { roomDisplayName } from './display-name';
import { notAMember, notAllowed, notFound, removedFromRoom, roomEnded, roomFull } from './errors';
import { newMessageId } from './ids';
import type { LiveParticipant } from './live-state';
import {
  HOSTS,
  othersPresent,
  publicParticipant,
  publicWaiter,
  requireParticipant,
  type Handler,
  type RoomDeps,
} from './room-context';
import { pollForWelcome } from './polls/poll-actions';
import { recordingForWelcome } from './reactions/recording-notice';
import { roomSettings } from './room-settings';
import { breakoutPeopleChanged, breakoutView } from './breakouts/breakout-state';
import { MAIN, placeOf, roommatesOf } from './breakouts/places';

const MEDIA_FLAGS = ['mic', 'cam', 'screen', 'speaking', 'handRaised'] as const;

/**
 * API Gateway refuses WebSocket messages over 128 KB, and 50 messages of 2000 three-byte characters are ~300 KB.
 * The welcome carries the newest messages that fit this budget (the roster and settings need only a few KB).
 */
export const WELCOME_CHAT_BUDGET_BYTES = 96 * 1024;

export function newestWithinBudget(chat: ChatMessage[], budget = WELCOME_CHAT_BUDGET_BYTES): ChatMessage[] {
  let used = 0;
  let start = chat.length;
  while (start > 0) {
    const size = Buffer.byteLength(JSON.stringify(chat[start - 1])) + 1;
    if (used + size > budget) break;
    used += size;
    start -= 1;
  }
  return chat.slice(start);
}

function pickMedia(source: Partial<MediaState> | undefined): Partial<MediaState> {
  const out: Partial<MediaState> = {};
  for (const f of MEDIA_FLAGS) if (source?.[f] !== undefined) out[f] = source[f];
  return out;
}

function changedMedia(current: MediaState, patch: Partial<MediaState>): Partial<MediaState> {
  const out: Partial<MediaState> = {};
  for (const f of MEDIA_FLAGS) if (patch[f] !== undefined && patch[f] !== current[f]) out[f] = patch[f];
  return out;
}

export const join: Handler<'join'> = async (deps, who, message) => {
  const room = await deps.store.getRoom(who.roomId);
  if (!room) throw notFound('This room does not exist');
  if (room.ended) throw roomEnded(true);
  if (await deps.store.isRemoved(who.roomId, who.sub)) throw removedFromRoom();
  // The ticket was issued after the member row was written; no row means this identity was never let in.
  const role = await deps.store.getRole(who.roomId, who.sub);
  if (!role) throw notAllowed('You have not been admitted to this room');
  // A ticket is good only while it speaks for the identity's current membership: not after leaving, removal, the
  // end of the meeting, or a newer join by the same person.
  if ((await deps.membership.currentPeer(who.roomId, who.sub)) !== who.peerId) throw notAMember();

  const roster = await deps.live.roster(who.roomId);
  const existing = roster.find((p) => p.peerId === who.peerId);
  if (existing && existing.sub !== who.sub) throw notAllowed('This peer id belongs to someone else');
  // One identity is one roster entry: this join takes the place (and the seat) of the same person's earlier ones.
  const earlier = roster.filter((p) => p.sub === who.sub && p.peerId !== who.peerId);
  const present = othersPresent(roster, who.sub);
  if (!existing && earlier.length === 0 && present >= room.maxParticipants) {
    throw roomFull(present, room.maxParticipants);
  }

  // Read at each join, so a picture changed between meetings shows in the next one; guests have none.
  const avatarKey = isAccountHolder(who.account) ? await deps.store.avatarKeyOf(who.sub) : null;
  const avatarUrl = avatarKey && avatarKeySchema.safeParse(avatarKey).success ? avatarUrlOf(avatarKey) : undefined;
  const self: LiveParticipant = {
    ...INITIAL_MEDIA_STATE,
    ...(existing ? pickMedia(existing) : {}),
    ...pickMedia(message.state),
    peerId: who.peerId,
    sub: who.sub,
    connectionId: who.connectionId,
    name: roomDisplayName(who.name),
    role,
    verified: isAccountHolder(who.account),
    ...(avatarUrl ? { avatarUrl } : {}),
    joinedAt: existing?.joinedAt ?? earlier[0]?.joinedAt ?? deps.now(),
  };
  // A hand still up across a rejoin keeps its place in the queue of raised hands.
  if (self.handRaised) self.handRaisedAt = existing?.handRaisedAt ?? deps.now();
  else delete self.handRaisedAt;
  await deps.live.putParticipant(who.roomId, self);
  if (!existing && earlier.length === 0) await refuseIfOverbooked(deps, who.roomId, self, room.maxParticipants);
  // A rejoin from a new socket replaces the old one; the old socket must stop receiving the room.
  if (existing && existing.connectionId !== who.connectionId) await deps.notifier.close(existing.connectionId);
  for (const old of earlier) await replaceEntry(deps, who.roomId, old, who.connectionId);
  // The host came back within the grace period: the room stops waiting (the role never left them).
  if (role === 'host' && (await deps.live.getHostAway(who.roomId))?.sub === who.sub) {
    await deps.live.takeHostAway(who.roomId);
  }

  // First: a poll past its time limit closes here, and its results reach the chat history sent below.
  const poll = await pollForWelcome(deps, who.roomId, self);
  // While breakout rooms are open, a (re)joiner lands where their identity was placed (the main room if nowhere):
  // their roster and chat are that room's.
  const [nowRoster, breakouts, places, help, lobby, recording] = await Promise.all([
    deps.live.roster(who.roomId),
    deps.breakouts.current(who.roomId),
    deps.breakouts.places(who.roomId),
    deps.breakouts.help(who.roomId),
    HOSTS.includes(role) ? deps.live.lobby(who.roomId) : Promise.resolve([]),
    recordingForWelcome(deps, who.roomId),
  ]);
  const place = breakouts ? placeOf(places, who.sub) : MAIN;
  const chat =
    place === MAIN
      ? await deps.live.recentChat(who.roomId)
      : await deps.breakouts.recentChat(who.roomId, breakouts!.id, place);
  await deps.notifier.send(who.connectionId, {
    type: 'welcome',
    self: publicParticipant(self),
    room: roomSettings(room),
    roster: roommatesOf(nowRoster, places, who.sub).map(publicParticipant),
    chat: newestWithinBudget(chat),
    lobby: lobby.map(publicWaiter),
    ...(poll ? { poll } : {}),
    ...(recording ? { recording } : {}),
    ...(breakouts ? { breakouts: breakoutView(breakouts, nowRoster, places, help, HOSTS.includes(role)) } : {}),
  });
  if (existing) await announce(deps, who.roomId, rosterUpdate, who.connectionId);
  else {
    const joined = { type: 'peer.joined', participant: publicParticipant(self) } as const;
    await announceToPlaceOf(deps, who.roomId, who.sub, joined, who.connectionId);
  }
  await breakoutPeopleChanged(deps, who.roomId);
};

/**
 * Two joins racing for the last seat both pass the check above. After writing, everyone computes the same order
 * (first arrival per identity), so exactly the late identities back out, each of them in its own invocation.
 */
async function refuseIfOverbooked(deps: RoomDeps, roomId: string, self: LiveParticipant, max: number) {
  const roster = await deps.live.roster(roomId);
  const firstSeen = new Map<string, LiveParticipant>();
  for (const p of roster) if (!firstSeen.has(p.sub)) firstSeen.set(p.sub, p);
  const order = [...firstSeen.values()];
  const seat = order.findIndex((p) => p.sub === self.sub);
  if (seat >= max && firstSeen.get(self.sub)?.peerId === self.peerId) {
    await deps.live.removeParticipant(roomId, self.peerId, self.connectionId);
    throw roomFull(max, max);
  }
}

/**
 * Leaving ends the membership first (so no socket of this entry can be reopened or relay a frame with the ticket it
 * still holds), then the roster entry, then every socket of the entry: the room socket and the PeerJS socket.
 */
export const leave: Handler<'leave'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  await deps.membership.revoke(who.roomId, who.sub, who.peerId);
  await depart(deps, who.roomId, p, 'left');
  await closeSocketsOf(deps, who.roomId, { sub: who.sub, peerId: who.peerId }, [who.connectionId]);
};

/** Any participant may say the host's grace period is over; departure.ts checks whether it is. */
export const claimAfterGrace: Handler<'grace.expired'> = async (deps, who) => {
  await requireParticipant(deps, who);
  await graceExpired(deps, who.roomId);
};

/** Sets (never toggles) the sender's own flags; nobody can set another participant's flags this way. */
export const setState: Handler<'state'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  // Only what changes is written and broadcast: repeating the same state costs the room nothing.
  const patch = changedMedia(p, pickMedia(message));
  if (Object.keys(patch).length === 0) return;
  // The server's clock orders raised hands (the participants list shows them first raised, first listed).
  const handRaisedAt = patch.handRaised === undefined ? {} : { handRaisedAt: patch.handRaised ? deps.now() : 0 };
  if (await deps.live.updateParticipant(who.roomId, who.peerId, { ...patch, ...handRaisedAt })) {
    await announce(deps, who.roomId, rosterUpdate);
  }
};

export const sendChat: Handler<'chat.send'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await deps.rateLimit(`chat:${who.roomId}:${who.sub}`, deps.limits.chat);
  const now = deps.now();
  const chat = {
    id: newMessageId(now),
    peerId: p.peerId,
    name: p.name,
    text: message.text,
    sentAt: new Date(now).toISOString(),
    ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}),
    ...(message.ref ? { ref: message.ref } : {}),
  };
  // Archive first: a message everyone saw must never be missing from the record.
  await deps.store.archiveChat({
    id: chat.id,
    roomId: who.roomId,
    senderSub: p.sub,
    senderPeerId: p.peerId,
    senderName: p.name,
    text: chat.text,
    sentAt: new Date(now),
  });
  const { ref: _ref, ...shared } = chat;
  // Each breakout room has its own chat; the main room's stays with the main room.
  const breakouts = await deps.breakouts.current(who.roomId);
  const place = breakouts ? placeOf(await deps.breakouts.places(who.roomId), p.sub) : MAIN;
  if (place === MAIN) await deps.live.appendChat(who.roomId, shared);
  else await deps.breakouts.appendChat(who.roomId, breakouts!.id, place, shared);
  // The ref is the sender's own correlation id: others get the message without it.
  await announceToPlaceOf(deps, who.roomId, p.sub, { type: 'chat.message', message: shared }, who.connectionId);
  await deps.notifier.send(who.connectionId, { type: 'chat.message', message: chat });
};
