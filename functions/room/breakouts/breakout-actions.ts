/**
 * Breakout rooms on the room socket. Hosts and cohosts open them (auto, manual or choose), move people (themselves
 * too: a visit), broadcast and close; anyone may pick a room in "choose" mode and ask for help from a room.
 *
 * There are no server timers (Lambda): once the timer and the return countdown have passed, the pages claim
 * `breakout.expired` and the server checks the deadline itself, closing at most once.
 */
import { randomUUID } from 'node:crypto';
import { BREAKOUT_LIMITS, type BreakoutMoveReason, type BreakoutRoom } from '../../shared/protocol/breakouts';
import { newestWithinBudget } from '../participant-actions';
import { depart, rosterUpdate } from '../departure';
import { RoomRuleError, notAllowed, notFound } from '../errors';
import type { LiveParticipant } from '../live-state';
import { HOSTS, broadcast, requireParticipant, requireRole, type Handler, type RoomDeps } from '../room-context';
import type { LiveBreakouts } from './breakout-live';
import { breakoutView, sendBreakoutState } from './breakout-state';
import { MAIN, groupByPlace, placeOf } from './places';
import { archiveBreakoutBoards } from '../whiteboard/whiteboard-actions';

export const breakoutsOpen = () =>
  new RoomRuleError('breakouts_open', 'Breakout rooms are already open: close them first', 409);
export const breakoutsClosed = () => new RoomRuleError('breakouts_closed', 'No breakout rooms are open', 409);

async function requireOpen(deps: RoomDeps, roomId: string): Promise<LiveBreakouts> {
  const b = await deps.breakouts.current(roomId);
  if (!b) throw breakoutsClosed();
  return b;
}

function roomById(b: LiveBreakouts, id: string | null): BreakoutRoom | null {
  if (id === null) return null;
  const room = b.rooms.find((r) => r.id === id);
  if (!room) throw notFound(`There is no breakout room ${id}`);
  return room;
}

async function limited(deps: RoomDeps, who: { roomId: string; sub: string }): Promise<void> {
  await deps.rateLimit(`breakout:${who.roomId}:${who.sub}`, deps.limits.breakout);
}

/** Auto mode: members (not hosts or cohosts, who run the rooms) dealt round-robin in join order: sizes differ by ≤ 1. */
export function evenSplit(roster: readonly LiveParticipant[], rooms: readonly BreakoutRoom[]): Map<string, string> {
  const placements = new Map<string, string>();
  let i = 0;
  for (const p of roster) {
    if (HOSTS.includes(p.role) || placements.has(p.sub)) continue;
    placements.set(p.sub, rooms[i % rooms.length]!.id);
    i += 1;
  }
  return placements;
}

/**
 * Everyone's roster becomes their place's, their page re-meshes, and each moved person is told where they are.
 * Everything it needs is read once, in one round of parallel reads; then every person gets their messages at once,
 * each in order (their room's roster first: it alone re-meshes the page's calls, so it must not wait behind the
 * breakout state or the room's chat history), all people in parallel.
 */
async function afterMoves(
  deps: RoomDeps,
  roomId: string,
  moved: readonly { p: LiveParticipant; room: BreakoutRoom | null }[],
  reason: BreakoutMoveReason,
): Promise<void> {
  const [roster, places, b, help] = await Promise.all([
    deps.live.roster(roomId),
    deps.breakouts.places(roomId),
    deps.breakouts.current(roomId),
    deps.breakouts.help(roomId),
  ]);
  const rosters = new Map(groupByPlace(roster, places).map((group) => [placeOf(places, group[0]!.sub), group]));
  const movedHere = new Map(moved.map((m) => [m.p.connectionId, m.room]));
  const chatFor = (room: BreakoutRoom | null) =>
    room && b ? deps.breakouts.recentChat(roomId, b.id, room.id) : deps.live.recentChat(roomId);
  const tell = async (p: LiveParticipant): Promise<boolean> => {
    const chat = movedHere.has(p.connectionId) ? chatFor(movedHere.get(p.connectionId)!) : undefined;
    // Read alongside the sends; a failed read must not leave an unhandled rejection behind a gone socket.
    chat?.catch(() => undefined);
    if (!(await deps.notifier.send(p.connectionId, rosterUpdate(rosters.get(placeOf(places, p.sub)) ?? [p])))) {
      return false;
    }
    const view = b ? breakoutView(b, roster, places, help, HOSTS.includes(p.role)) : null;
    await deps.notifier.send(p.connectionId, { type: 'breakout.state', breakouts: view });
    if (chat) {
      const room = movedHere.get(p.connectionId) ?? null;
      await deps.notifier.send(p.connectionId, {
        type: 'breakout.moved',
        room,
        reason,
        chat: newestWithinBudget(await chat),
      });
    }
    return true;
  };
  const delivered = await Promise.all(roster.map(tell));
  // Someone moved who is no longer in the roster (dropped during the move) still hears where the server put them.
  const present = new Set(roster.map((p) => p.connectionId));
  await Promise.all(
    moved
      .filter(({ p }) => !present.has(p.connectionId))
      .map(async ({ p, room }) =>
        deps.notifier.send(p.connectionId, {
          type: 'breakout.moved',
          room,
          reason,
          chat: newestWithinBudget(await chatFor(room)),
        }),
      ),
  );
  for (const p of roster.filter((_p, i) => !delivered[i])) await depart(deps, roomId, p, 'disconnected');
}

export const openBreakouts: Handler<'breakout.open'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'open breakout rooms');
  const [, roster] = await Promise.all([limited(deps, who), deps.live.roster(who.roomId)]);
  const now = deps.now();
  const rooms = message.rooms.map((name, i) => ({ id: `b${i + 1}`, name }));
  let placements = new Map<string, string>();
  if (message.mode === 'auto') placements = evenSplit(roster, rooms);
  if (message.mode === 'manual') {
    for (const a of message.assignments ?? []) {
      const person = roster.find((r) => r.peerId === a.peerId);
      if (!person) throw notFound('Somebody you assigned is no longer in the meeting');
      const room = rooms[a.room];
      if (!room) throw notFound(`There are only ${rooms.length} rooms`);
      placements.set(person.sub, room.id);
    }
  }
  const b: LiveBreakouts = {
    id: `${now.toString(36)}-${randomUUID()}`,
    mode: message.mode,
    rooms,
    endsAt: message.durationSeconds ? now + message.durationSeconds * 1000 : null,
    openedAt: now,
  };
  // One opening at a time: a second host opening at the same moment is refused, and nothing of theirs is written.
  if (!(await deps.breakouts.open(who.roomId, b, placements))) throw breakoutsOpen();
  const moved = roster
    .filter((r) => placements.has(r.sub))
    .map((r) => ({ p: r, room: rooms.find((x) => x.id === placements.get(r.sub)) ?? null }));
  await afterMoves(deps, who.roomId, moved, 'opened');
};

async function moveOne(
  deps: RoomDeps,
  roomId: string,
  b: LiveBreakouts,
  target: LiveParticipant,
  roomIdOrMain: string | null,
  reason: 'assigned' | 'chose',
): Promise<void> {
  const room = roomById(b, roomIdOrMain);
  const places = await deps.breakouts.places(roomId);
  // Already there: nothing to write or tell (a double click, or two hosts moving the same person).
  if (placeOf(places, target.sub) === (room?.id ?? MAIN)) return;
  const outcome = await deps.breakouts.move(
    roomId,
    b.id,
    target.sub,
    room?.id ?? null,
    reason === 'chose' && !HOSTS.includes(target.role),
  );
  if (outcome === 'closed') throw breakoutsClosed();
  if (outcome === 'not-choosing') throw notAllowed('Only the host or a cohost can move you: these rooms are assigned');
  // A host arriving in a room answers its calls for help.
  if (room && HOSTS.includes(target.role)) {
    const help = await deps.breakouts.help(roomId);
    await deps.breakouts.clearHelp(
      roomId,
      [...help].filter(([, r]) => r.room === room.id).map(([sub]) => sub),
    );
  }
  await afterMoves(deps, roomId, [{ p: target, room }], reason);
}

export const assignBreakout: Handler<'breakout.assign'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'move people between rooms');
  await limited(deps, who);
  const b = await requireOpen(deps, who.roomId);
  const target = await deps.live.getParticipant(who.roomId, message.peerId);
  if (!target) throw notFound('Nobody with that id is in the meeting');
  await moveOne(deps, who.roomId, b, target, message.room, 'assigned');
};

export const joinBreakout: Handler<'breakout.join'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await limited(deps, who);
  const b = await requireOpen(deps, who.roomId);
  if (b.mode !== 'choose' && !HOSTS.includes(p.role)) {
    throw notAllowed('Only the host or a cohost can move you: these rooms are assigned');
  }
  await moveOne(deps, who.roomId, b, p, message.room, 'chose');
};

async function closeNow(deps: RoomDeps, roomId: string, id: string, reason: 'closed' | 'timer'): Promise<void> {
  const [roster, places, b] = await Promise.all([
    deps.live.roster(roomId),
    deps.breakouts.places(roomId),
    deps.breakouts.current(roomId),
  ]);
  // Exactly one closer gets here (hosts racing each other or the timer claims); the others change nothing.
  if (!(await deps.breakouts.close(roomId, id))) return;
  const moved = roster.filter((p) => placeOf(places, p.sub) !== MAIN).map((p) => ({ p, room: null }));
  await afterMoves(deps, roomId, moved, reason);
  // Each room's board is kept with the meeting (its place is gone, so nothing more reaches it).
  if (b?.id === id) await archiveBreakoutBoards(deps, roomId, id, b.rooms);
}

/** Closing twice, or closing rooms that already closed, is not an error: the result is the one the host wanted. */
export const closeBreakouts: Handler<'breakout.close'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'close breakout rooms');
  await limited(deps, who);
  await closeNow(deps, who.roomId, message.breakoutId, 'closed');
};

/** Any participant may say the timer (and return countdown) ran out; the server checks, and closes at most once. */
export const claimBreakoutsExpired: Handler<'breakout.expired'> = async (deps, who, message) => {
  await requireParticipant(deps, who);
  const b = await deps.breakouts.current(who.roomId);
  if (!b || b.id !== message.breakoutId || b.endsAt === null) return;
  if (deps.now() < b.endsAt + BREAKOUT_LIMITS.returnCountdownSeconds * 1000) return;
  await closeNow(deps, who.roomId, b.id, 'timer');
};

export const broadcastToBreakouts: Handler<'breakout.broadcast'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'broadcast to breakout rooms');
  await limited(deps, who);
  await requireOpen(deps, who.roomId);
  const roster = await deps.live.roster(who.roomId);
  await broadcast(deps, roster, { type: 'breakout.broadcast', by: p.name, text: message.text.trim() });
};

export const askForHelp: Handler<'breakout.help'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  await limited(deps, who);
  const b = await requireOpen(deps, who.roomId);
  const place = placeOf(await deps.breakouts.places(who.roomId), p.sub);
  const room = b.rooms.find((r) => r.id === place);
  if (!room) throw notAllowed('You are in the main room: the hosts are here with you');
  const request = { peerId: p.peerId, name: p.name, room: room.id, at: deps.now() };
  if (!(await deps.breakouts.askHelp(who.roomId, p.sub, request))) throw breakoutsClosed();
  const roster = await deps.live.roster(who.roomId);
  const hosts = roster.filter((r) => HOSTS.includes(r.role));
  await broadcast(deps, hosts, { type: 'breakout.help', request, roomName: room.name });
  await sendBreakoutState(deps, who.roomId);
};
