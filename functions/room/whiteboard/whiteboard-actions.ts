/**
 * The shared whiteboard on the room socket. Everyone in the room draws at once; the board is a Yjs document, so the
 * server never merges anything itself: it checks each update, appends it to the room's log in Redis, relays it to
 * the rest of the room, and now and then compacts the log into a snapshot in PostgreSQL. A joiner (or a page back
 * from a dropped socket) sends its state vector and gets what it lacks, then the server's state vector, to which it
 * answers with what the server lacks (edits made offline).
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { WHITEBOARD_LIMITS, type Chunk } from '../../shared/protocol/whiteboard';
import type { ServerMessage } from '../../shared/protocol/room';
import { fromBase64, joinParts, splitMessage } from '../../shared/whiteboard-chunks';
import { announce } from '../departure';
import { RoomRuleError } from '../errors';
import type { LiveParticipant } from '../live-state';
import { HOSTS, broadcast, requireParticipant, requireRole, type Handler, type RoomDeps } from '../room-context';
import type { WhiteboardMeta } from './board-live';
import { boardState, compactWhiteboard } from './board-compaction';
import {
  addsNothing,
  checkUpdate,
  clearUpdate,
  decodeSyncMessage,
  isEmptyUpdate,
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
    `The whiteboard is full (${WHITEBOARD_LIMITS.boardBytes / (1024 * 1024)} MB): erase something or ask a host to clear it`,
    413,
  );

/** The board's live side, started from the stored snapshot when Redis has none (first use, or Redis lost it). */
async function liveMeta(deps: RoomDeps, roomId: string): Promise<WhiteboardMeta> {
  const meta = await deps.whiteboardLive.meta(roomId);
  if (meta) return meta;
  const stored = await deps.whiteboardStore.get(roomId);
  await deps.whiteboardLive.hydrate(roomId, {
    locked: stored?.locked ?? false,
    snapshotBytes: stored?.snapshot.length ?? 0,
    now: deps.now(),
  });
  return (await deps.whiteboardLive.meta(roomId))!;
}

/** The meeting ends: everything goes into the snapshot (kept with the meeting), then the live side is dropped. */
export async function archiveWhiteboard(deps: RoomDeps, roomId: string): Promise<void> {
  if (!(await deps.whiteboardLive.meta(roomId))) return;
  await compactWhiteboard(deps, roomId);
  await deps.whiteboardLive.clear(roomId);
  await deps.whiteboardLive.settled(roomId);
}

/** One sync message to one socket, in parts when it is larger than a server message may be. */
async function sendSync(deps: RoomDeps, connectionId: string, bytes: Uint8Array): Promise<void> {
  for (const part of splitMessage(bytes, WHITEBOARD_LIMITS.serverPartBytes, chunkId())) {
    await deps.notifier.send(connectionId, { type: 'wb.sync', ...part });
  }
}

/** One sync message to everyone in the room but `except`; parts keep their order per recipient. */
async function broadcastSync(deps: RoomDeps, roomId: string, bytes: Uint8Array, except?: string): Promise<void> {
  const id = chunkId();
  const roster = await deps.live.roster(roomId);
  for (const part of splitMessage(bytes, WHITEBOARD_LIMITS.serverPartBytes, id)) {
    await broadcast(deps, roster, { type: 'wb.sync', ...part }, except);
  }
}

const status = (meta: WhiteboardMeta, by?: string): ServerMessage => ({
  type: 'wb.status',
  locked: meta.locked,
  bytes: meta.bytes,
  maxBytes: WHITEBOARD_LIMITS.boardBytes,
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
  if (whole.length > WHITEBOARD_LIMITS.messageBytes) {
    throw invalidUpdate(`larger than ${WHITEBOARD_LIMITS.messageBytes} bytes`);
  }
  return whole;
}

/** A joiner's step 1: the board's status, what the joiner lacks, then our state vector (so it sends what we lack). */
async function answerStep1(deps: RoomDeps, roomId: string, connectionId: string, stateVector: Uint8Array) {
  const meta = await liveMeta(deps, roomId);
  const state = await boardState(deps, roomId);
  let missing: Uint8Array;
  try {
    missing = Y.diffUpdate(state, stateVector);
  } catch {
    throw invalidUpdate('malformed state vector');
  }
  await deps.notifier.send(connectionId, status(meta));
  await sendSync(deps, connectionId, syncStep2(missing));
  await sendSync(deps, connectionId, syncStep1(Y.encodeStateVectorFromUpdate(state)));
}

async function applyUpdate(
  deps: RoomDeps,
  p: LiveParticipant,
  roomId: string,
  sync: Extract<SyncMessage, { update: Uint8Array }>,
): Promise<void> {
  let update = sync.update;
  const meta = await liveMeta(deps, roomId);
  const check = checkUpdate(update);
  if (check.problem) throw invalidUpdate(check.problem);
  if (sync.kind === 'step2') {
    // A page's catch-up repeats much that we have: keep only what is new, so it neither fills the board nor the log.
    // One that brings nothing new is no drawing, and is not refused on a view-only board: every member's page
    // answers the server's step 1 so, and a refusal would send it into a resync after resync.
    const state = await boardState(deps, roomId);
    update = Y.diffUpdate(update, Y.encodeStateVectorFromUpdate(state));
    if (addsNothing(update, state)) return;
  }
  if (isEmptyUpdate(update)) return;
  if (meta.locked && !HOSTS.includes(p.role)) throw boardLocked();
  // Deleting never makes the board fuller once compacted, so a full board still takes erasures.
  const length = await deps.whiteboardLive.append(roomId, update, check.inserts > 0 ? WHITEBOARD_LIMITS.boardBytes : 0);
  if (length === undefined) throw boardFull();
  await broadcastSync(deps, roomId, syncUpdate(update), p.connectionId);
  const overdue =
    length >= COMPACT_AFTER.entries ||
    meta.bytes - meta.snapshotBytes + update.length >= COMPACT_AFTER.logBytes ||
    deps.now() - meta.compactedAt >= COMPACT_AFTER.ms;
  if (overdue) await compactWhiteboard(deps, roomId);
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
  if (sync.kind === 'step1') await answerStep1(deps, who.roomId, who.connectionId, sync.stateVector);
  else await applyUpdate(deps, p, who.roomId, sync);
};

export const clearWhiteboard: Handler<'wb.clear'> = async (deps, who) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'clear the whiteboard');
  await liveMeta(deps, who.roomId);
  const update = clearUpdate(await boardState(deps, who.roomId));
  await deps.whiteboardLive.append(who.roomId, update, 0);
  await broadcastSync(deps, who.roomId, syncUpdate(update));
  await announce(deps, who.roomId, { type: 'wb.cleared', by: p.name });
  // At once, so the fill drops back and a board that was full takes drawings again.
  await compactWhiteboard(deps, who.roomId);
  await announce(deps, who.roomId, status(await liveMeta(deps, who.roomId)));
};

export const lockWhiteboard: Handler<'wb.lock'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, message.locked ? 'make the whiteboard view-only' : 'let everyone draw on the whiteboard');
  await liveMeta(deps, who.roomId);
  await deps.whiteboardLive.setLocked(who.roomId, message.locked);
  await deps.whiteboardStore.setLocked(who.roomId, message.locked, deps.now());
  await announce(deps, who.roomId, status(await liveMeta(deps, who.roomId), p.name));
};

export const whiteboardCursor: Handler<'wb.cursor'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await announce(
    deps,
    who.roomId,
    { type: 'wb.cursor', peerId: p.peerId, name: p.name, at: message.at },
    who.connectionId,
  );
};
