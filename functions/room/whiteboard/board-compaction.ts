/**
 * Folding a board's live log (Redis) into its stored snapshot (PostgreSQL), and reading the whole board. Apart from
 * the socket actions so the local cloud can compact on stop without loading the room handler's modules (they read
 * their settings, such as the rate limits, when first loaded).
 */
import * as Y from 'yjs';
import type { RoomDeps } from '../room-context';
import type { BoardRef } from './board-ref';
import { EMPTY_UPDATE, boardDocument, compactBoard, isEmptyUpdate } from './sync-adapter';

/** What compaction needs of the room's wiring. */
export type BoardDeps = Pick<RoomDeps, 'whiteboardLive' | 'whiteboardStore' | 'now'>;

const COMPACTION_LOCK_SECONDS = 30;

/**
 * The board's stored snapshot and live log. The log is read before the snapshot: a compaction in between then shows
 * its entries twice (harmless: applying an update twice changes nothing) instead of losing them.
 */
async function boardUpdates(deps: BoardDeps, ref: BoardRef): Promise<Uint8Array[]> {
  const log = await deps.whiteboardLive.log(ref);
  const stored = await deps.whiteboardStore.get(ref);
  return [stored?.snapshot ?? EMPTY_UPDATE, ...log].filter((u) => !isEmptyUpdate(u));
}

/**
 * Runs `use` on the whole board (snapshot and live log) as a document, then destroys the document: for a sync
 * handshake, a clear and the archive. Encoding what a page lacks and the state vector from a document takes less than
 * half the time of doing it from merged updates at a full board (bench:whiteboard-storage).
 */
export async function withBoardDocument<T>(deps: BoardDeps, ref: BoardRef, use: (board: Y.Doc) => T): Promise<T> {
  const board = boardDocument(await boardUpdates(deps, ref));
  try {
    return use(board);
  } finally {
    board.destroy();
  }
}

/** Folds the log into the stored snapshot; skipped while another invocation does the same. */
export async function compactWhiteboard(deps: BoardDeps, ref: BoardRef): Promise<boolean> {
  const live = deps.whiteboardLive;
  if (!(await live.lockCompaction(ref, COMPACTION_LOCK_SECONDS))) return false;
  try {
    const log = await live.log(ref);
    const [stored, meta] = await Promise.all([deps.whiteboardStore.get(ref), live.meta(ref)]);
    const snapshot = compactBoard([stored?.snapshot ?? EMPTY_UPDATE, ...log]);
    const now = deps.now();
    // Stored before the log is trimmed: a crash between the two leaves entries in both places, never in neither.
    await deps.whiteboardStore.save(ref, { snapshot, locked: meta?.locked ?? stored?.locked ?? false }, now);
    await live.compacted(ref, log.length, snapshot.length, now);
    return true;
  } finally {
    await live.unlockCompaction(ref);
  }
}

/**
 * Folds every board's log into its snapshot: the local cloud does it on stop, since its in-process Redis does not
 * outlive the process (boards are otherwise compacted on their next update, see COMPACT_AFTER). Returns how many
 * boards it compacted.
 */
export async function compactAllWhiteboards(deps: BoardDeps): Promise<number> {
  let compacted = 0;
  for (const ref of await deps.whiteboardLive.liveBoards()) {
    const log = await deps.whiteboardLive.log(ref);
    if (log.length > 0) {
      if (!(await compactWhiteboard(deps, ref))) continue; // another compactor has it: it stays listed
      compacted += 1;
    }
    if ((await deps.whiteboardLive.log(ref)).length === 0) await deps.whiteboardLive.settled(ref);
  }
  return compacted;
}
