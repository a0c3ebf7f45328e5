/**
 * The shared whiteboard on the room socket. Everyone in the room draws at once; the board is a Yjs document, so the
 * server never merges anything itself: it checks each update, appends it to the board's log in Redis, relays it to
 * the rest of the sender's place, and now and then compacts the log into a snapshot in PostgreSQL. Each place has
 * its own board (board-ref.ts): the main room's, and during breakouts each breakout room's. A joiner (or a page back
 * from a dropped socket) sends its state vector and gets what it lacks, then the server's state vector, to which it
 * answers with what the server lacks (edits made offline).
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { Chunk } from '../../shared/protocol/whiteboard';
import type { ServerMessage } from '../../shared/protocol/room';
import { fromBase64, joinParts, splitMessage } from '../../shared/whiteboard-chunks';
import { WHITEBOARD_LIMITS as LIMITS, breakoutBoardId } from '../../shared/protocol/whiteboard';
import { depart } from '../departure';
import { RoomRuleError } from '../errors';
import type { LiveParticipant } from '../live-state';
import { HOSTS, broadcast, requireParticipant, requireRole, type Handler, type RoomDeps } from '../room-context';
import { boardOf, mainBoard, type BoardRef } from './board-ref';
import type { WhiteboardMeta } from './board-live';
import { compactWhiteboard, withBoardDocument } from './board-compaction';
import {
  addsNothing,
  checkUpdate,
  clearUpdate,
  decodeSyncMessage,
  isEmptyUpdate,
  step1Answer,
  syncStep1,
  syncStep2,
  syncUpdate,
  type SyncMessage,
} from './sync-adapter';

/** When the log is folded into the snapshot: whichever comes first. Time bounds what a Redis loss could cost. */
export const COMPACT_AFTER = { entries: 200, logBytes: 256 * 1024, ms: 30_000 } as const;
/** Names the parts of one multi-part message (chunkSchema: up to 16 lower-case letters and digits). */
const chunkId = () => randomUUID().replace(/-/g, '').slice(0, 16);

const invalidUpdate = (why: string) => new RoomRuleError('invalid_update', `Whiteboard update refused: ${why}`, 400);
const boardLocked = () =>
  new RoomRuleError('board_locked', 'The whiteboard is view-only: only hosts can draw right now', 403);
const boardFull = () =>
  new RoomRuleError(
    'board_full',
    `The whiteboard is full (${LIMITS.boardBytes / (1024 * 1024)} MB): erase something or ask a host to clear it`,
    413,
  );

const notYourBoard = () => invalidUpdate('it was drawn on the board of a room you are no longer in');

/** The board's live side, started from the stored snapshot when Redis has none (first use, or Redis lost it). */
async function liveMeta(deps: RoomDeps, ref: BoardRef): Promise<WhiteboardMeta> {
  const meta = await deps.whiteboardLive.meta(ref);
  if (meta) return meta;
  const stored = await deps.whiteboardStore.get(ref);
  await deps.whiteboardLive.hydrate(ref, {
    locked: stored?.locked ?? false,
    snapshotBytes: stored?.snapshot.length ?? 0,
    now: deps.now(),
  });
  return (await deps.whiteboardLive.meta(ref))!;
}

/** A board's room closes: everything goes into the snapshot (kept with the meeting), then the live side is dropped. */
export async function archiveBoard(deps: RoomDeps, ref: BoardRef): Promise<void> {
  if (!(await deps.whiteboardLive.meta(ref))) return;
  await compactWhiteboard(deps, ref);
  await deps.whiteboardLive.clear(ref);
  await deps.whiteboardLive.settled(ref);
}

/** The meeting ends: its main board, and any breakout room's still live (rooms open as it ended), are archived. */
export async function archiveWhiteboard(deps: RoomDeps, roomId: string): Promise<void> {
  const breakouts = await deps.breakouts.current(roomId);
  const rooms = breakouts?.rooms.map((r) => ({ roomId, board: breakoutBoardId(breakouts.id, r.id) })) ?? [];
  for (const ref of [mainBoard(roomId), ...rooms]) await archiveBoard(deps, ref);
}

/** Breakout rooms closed: each one's board is archived (the place it belonged to is gone). */
export async function archiveBreakoutBoards(
  deps: RoomDeps,
  roomId: string,
  opening: string,
  rooms: readonly { id: string }[],
): Promise<void> {
  for (const r of rooms) await archiveBoard(deps, { roomId, board: breakoutBoardId(opening, r.id) });
}

/** One sync message to one socket, in parts when it is larger than a server message may be. */
async function sendSync(deps: RoomDeps, ref: BoardRef, connectionId: string, bytes: Uint8Array): Promise<void> {
  for (const part of splitMessage(bytes, LIMITS.serverPartBytes, chunkId())) {
    await deps.notifier.send(connectionId, { type: 'wb.sync', board: ref.board, ...part });
  }
}

/** One message to the board's audience (its place) but `except`; those found gone are treated as disconnected. */
async function tell(
  deps: RoomDeps,
  ref: BoardRef,
  audience: LiveParticipant[],
  message: ServerMessage,
  except?: string,
): Promise<void> {
  const gone = await broadcast(deps, audience, message, except);
  for (const p of gone) await depart(deps, ref.roomId, p, 'disconnected');
}

/** One sync message to the board's audience but `except`; parts keep their order per recipient. */
async function broadcastSync(
  deps: RoomDeps,
  ref: BoardRef,
  audience: LiveParticipant[],
  bytes: Uint8Array,
  except?: string,
): Promise<void> {
  const id = chunkId();
  for (const part of splitMessage(bytes, LIMITS.serverPartBytes, id)) {
    await tell(deps, ref, audience, { type: 'wb.sync', board: ref.board, ...part }, except);
  }
}

const status = (ref: BoardRef, meta: WhiteboardMeta, by?: string): ServerMessage => ({
  type: 'wb.status',
  board: ref.board,
  locked: meta.locked,
  bytes: meta.bytes,
  maxBytes: LIMITS.boardBytes,
  ...(by ? { by } : {}),
});

/** The whole sync message once its last part arrived (parts wait in Redis between invocations). */
async function assemble(
  deps: RoomDeps,
  roomId: string,
  connectionId: string,
  message: string,
  chunk: Chunk | undefined,
): Promise<Uint8Array | undefined> {
  if (!chunk) return fromBase64(message);
  if (chunk.index >= chunk.count) throw invalidUpdate(`part ${chunk.index} of ${chunk.count}`);
  const parts = await deps.whiteboardLive.addPart(roomId, connectionId, chunk, message);
  if (!parts) return undefined;
  const whole = joinParts(parts.map(fromBase64));
  if (whole.length > LIMITS.messageBytes) {
    throw invalidUpdate(`larger than ${LIMITS.messageBytes} bytes`);
  }
  return whole;
}

/** A joiner's step 1: the board's status, what the joiner lacks, then our state vector (so it sends what we lack). */
async function answerStep1(deps: RoomDeps, ref: BoardRef, connectionId: string, stateVector: Uint8Array) {
  const meta = await liveMeta(deps, ref);
  const answer = await withBoardDocument(deps, ref, (board) => {
    try {
      return step1Answer(board, stateVector);
    } catch {
      throw invalidUpdate('malformed state vector');
    }
  });
  await deps.notifier.send(connectionId, status(ref, meta));
  await sendSync(deps, ref, connectionId, syncStep2(answer.missing));
  await sendSync(deps, ref, connectionId, syncStep1(answer.vector));
}

async function applyUpdate(
  deps: RoomDeps,
  p: LiveParticipant,
  board: { ref: BoardRef; audience: LiveParticipant[] },
  sync: Extract<SyncMessage, { update: Uint8Array }>,
): Promise<void> {
  const { ref } = board;
  let update = sync.update;
  const meta = await liveMeta(deps, ref);
  const check = checkUpdate(update);
  if (check.problem) throw invalidUpdate(check.problem);
  if (sync.kind === 'step2') {
    // A page's catch-up repeats much that we have: keep only what is new, so it neither fills the board nor the log.
    // One that brings nothing new is no drawing, and is not refused on a view-only board: every member's page
    // answers the server's step 1 so, and a refusal would send it into a resync after resync.
    const news = await withBoardDocument(deps, ref, (state) => {
      const diff = Y.diffUpdate(sync.update, Y.encodeStateVector(state));
      return addsNothing(diff, state) ? null : diff;
    });
    if (news === null) return;
    update = news;
  }
  if (isEmptyUpdate(update)) return;
  if (meta.locked && !HOSTS.includes(p.role)) throw boardLocked();
  // Deleting never makes the board fuller once compacted, so a full board still takes erasures.
  const length = await deps.whiteboardLive.append(ref, update, check.inserts > 0 ? LIMITS.boardBytes : 0);
  if (length === undefined) throw boardFull();
  await broadcastSync(deps, ref, board.audience, syncUpdate(update), p.connectionId);
  const overdue =
    length >= COMPACT_AFTER.entries ||
    meta.bytes - meta.snapshotBytes + update.length >= COMPACT_AFTER.logBytes ||
    deps.now() - meta.compactedAt >= COMPACT_AFTER.ms;
  if (overdue) await compactWhiteboard(deps, ref);
}

export const whiteboardSync: Handler<'wb.sync'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await deps.rateLimit(`wb:${who.roomId}:${who.sub}`, deps.limits.whiteboard);
  const bytes = await assemble(deps, who.roomId, who.connectionId, message.message, message.chunk);
  if (!bytes) return;
  let sync: SyncMessage;
  try {
    sync = decodeSyncMessage(bytes);
  } catch (error) {
    throw invalidUpdate(error instanceof Error ? error.message : 'not a sync message');
  }
  const board = await boardOf(deps, who.roomId, who.sub);
  if ((message.board ?? board.ref.board) !== board.ref.board) throw notYourBoard();
  if (sync.kind === 'step1') await answerStep1(deps, board.ref, who.connectionId, sync.stateVector);
  else await applyUpdate(deps, p, board, sync);
};

export const clearWhiteboard: Handler<'wb.clear'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'clear the whiteboard');
  const { ref, audience } = await boardOf(deps, who.roomId, who.sub);
  await liveMeta(deps, ref);
  const update = await withBoardDocument(deps, ref, clearUpdate);
  await deps.whiteboardLive.append(ref, update, 0);
  await broadcastSync(deps, ref, audience, syncUpdate(update));
  await tell(deps, ref, audience, { type: 'wb.cleared', board: ref.board, by: p.name });
  // At once, so the fill drops back and a board that was full takes drawings again.
  await compactWhiteboard(deps, ref);
  await tell(deps, ref, audience, status(ref, await liveMeta(deps, ref)));
};

export const lockWhiteboard: Handler<'wb.lock'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, message.locked ? 'make the whiteboard view-only' : 'let everyone draw on the whiteboard');
  const { ref, audience } = await boardOf(deps, who.roomId, who.sub);
  await liveMeta(deps, ref);
  await deps.whiteboardLive.setLocked(ref, message.locked);
  await deps.whiteboardStore.setLocked(ref, message.locked, deps.now());
  await tell(deps, ref, audience, status(ref, await liveMeta(deps, ref), p.name));
};

export const whiteboardCursor: Handler<'wb.cursor'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  const { ref, audience } = await boardOf(deps, who.roomId, who.sub);
  await tell(
    deps,
    ref,
    audience,
    { type: 'wb.cursor', peerId: p.peerId, name: p.name, at: message.at },
    who.connectionId,
  );
};
