import type { AccountKind, RoomTicketClaims } from '../auth/tickets';
import type { ConnectionRegistry } from '../signaling/connection-registry';
import type { Membership } from '../shared/membership';
import type { Limit } from '../shared/rate-limit';
import type { ClientMessage, Participant, Role, ServerMessage, TicketRole } from '../shared/protocol/room';
import type { LiveParticipant, LiveRoomState, LobbyWaiter } from './live-state';
import type { RoomStore } from './room-store';
import type { PollLiveState } from './polls/poll-live';
import type { PollStore } from './polls/poll-store';
import type { BreakoutLiveState } from './breakouts/breakout-live';
import { notAllowed, notInRoom } from './errors';
import type { WhiteboardLive } from './whiteboard/board-live';
import type { WhiteboardStore } from './whiteboard/board-store';

/** Who is on the other end of a room socket, as the `$connect` authorizer established it from the ticket. */
export interface SocketIdentity {
  connectionId: string;
  sub: string;
  name: string;
  roomId: string;
  peerId: string;
  /** The ticket's role at connect time; only decides lobby vs. member socket. Live roles come from the store. */
  role: TicketRole;
  /** From the ticket: signed in with an account, or a guest (shown next to the name, see `verified`). */
  account: AccountKind;
}

/** Sends to one socket; false when the socket is gone. */
export interface Notifier {
  send(connectionId: string, message: ServerMessage): Promise<boolean>;
  close(connectionId: string): Promise<void>;
}

/** Everything the room's domain code talks to, injected so each piece can be replaced in a test. */
export interface RoomDeps {
  store: RoomStore;
  live: LiveRoomState;
  /** Who may be in the room (functions/shared/membership.ts): every door checks it, every exit ends it. */
  membership: Membership;
  notifier: Notifier;
  connections: Pick<ConnectionRegistry, 'listRoom'>;
  /** The open (or last) poll of each room; its archive. */
  pollLive: PollLiveState;
  pollStore: PollStore;
  /** Open breakout rooms and where everyone is (breakouts/). */
  breakouts: BreakoutLiveState;
  /** The whiteboard's live log (Redis) and its snapshots (PostgreSQL). */
  whiteboardLive: WhiteboardLive;
  whiteboardStore: WhiteboardStore;
  issueTicket(claims: RoomTicketClaims): Promise<string>;
  rateLimit(key: string, limit: Limit): Promise<void>;
  limits: {
    chat: Limit;
    roomMessage: Limit;
    pollVote: Limit;
    reaction: Limit;
    breakout: Limit;
    /** Whiteboard sync messages per identity and room (refused beyond it). */
    whiteboard: Limit;
    /** Whiteboard frames per socket (the socket is closed beyond it), counted apart from `roomMessage`. */
    whiteboardMessage: Limit;
  };
  now(): number;
}

export type Handler<T extends ClientMessage['type']> = (
  deps: RoomDeps,
  who: SocketIdentity,
  message: Extract<ClientMessage, { type: T }>,
) => Promise<void>;

export function publicParticipant(p: LiveParticipant): Participant {
  const { sub: _sub, connectionId: _c, ...rest } = p;
  return rest;
}

export function publicWaiter({ peerId, name, knockedAt, verified }: LobbyWaiter) {
  // `=== true`: a waiter written before the flag existed reads as a guest.
  return { peerId, name, knockedAt, verified: verified === true };
}

/** The sender's live entry; only the socket that joined speaks for a participant. */
export async function requireParticipant(deps: RoomDeps, who: SocketIdentity): Promise<LiveParticipant> {
  const p = await deps.live.getParticipant(who.roomId, who.peerId);
  if (!p || p.connectionId !== who.connectionId || p.sub !== who.sub) throw notInRoom();
  return p;
}

const ROLE_WORDS: Record<Role, string> = { host: 'the host', cohost: 'a cohost', member: 'a member' };

/** Checks the sender's current role (roles change during a meeting, so never the ticket's). */
export function requireRole(p: LiveParticipant, allowed: readonly Role[], action: string): void {
  if (!allowed.includes(p.role)) {
    const who = allowed.map((r) => ROLE_WORDS[r]).join(' or ');
    throw notAllowed(`Only ${who} can ${action}`);
  }
}

export const HOSTS: readonly Role[] = ['host', 'cohost'];

/**
 * Sends one message to every participant (optionally but one). Sockets found gone are returned so the caller can
 * treat them as departed; a send never fails the whole broadcast for one dead socket.
 */
export async function broadcast(
  deps: RoomDeps,
  roster: LiveParticipant[],
  message: ServerMessage,
  except?: string,
): Promise<LiveParticipant[]> {
  const targets = roster.filter((p) => p.connectionId !== except);
  const delivered = await Promise.all(targets.map((p) => deps.notifier.send(p.connectionId, message)));
  return targets.filter((_p, i) => !delivered[i]);
}

export async function sendToHosts(deps: RoomDeps, roomId: string, message: ServerMessage): Promise<void> {
  const roster = await deps.live.roster(roomId);
  await broadcast(
    deps,
    roster.filter((p) => HOSTS.includes(p.role)),
    message,
  );
}

export async function sendLobbyUpdate(deps: RoomDeps, roomId: string): Promise<void> {
  const lobby = await deps.live.lobby(roomId);
  await sendToHosts(deps, roomId, { type: 'lobby.update', lobby: lobby.map(publicWaiter) });
}

/** Distinct identities present other than `sub`: one person with two tabs counts once, and a reload never locks
 * its owner out of a full room. */
export function othersPresent(roster: LiveParticipant[], sub: string): number {
  return new Set(roster.filter((p) => p.sub !== sub).map((p) => p.sub)).size;
}
