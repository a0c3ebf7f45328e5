/**
 * The page's whiteboard document and its sync over the room socket (y-protocols' sync messages in `wb.sync`
 * frames). On every (re)entry into the room the page sends its state vector and gets what it lacks; the server then
 * sends its own state vector and the page answers with what the server lacks, so strokes drawn while the socket was
 * down arrive once it is back. Local edits go out at most once per `flushMs` (a throttle: the first edit after a
 * quiet spell at once, the edits that follow it within `flushMs` together when it ends), so fast drawing sends a
 * few frames a second, not one per pointer event, and a lone stroke is not held back. No DOM here: the unit tests
 * and the benchmark drive it directly.
 *
 * The server acknowledges nothing, but it answers a refused frame with an `error` carrying the frame's `ref` (all
 * ours start with WHITEBOARD_REF_PREFIX). A refused update would leave this page showing strokes nobody else has,
 * so after a backoff (resync-backoff.ts) the page runs the handshake again: a refusal that may pass later (a rate
 * limit, a server hiccup) is answered by sending what the server lacks once more; one that will not (a view-only or
 * full board, an invalid item) by dropping the page's own document and taking the server's whole board instead.
 *
 * Each place has its own board (the main room's, each breakout room's): a page that moves starts an empty document
 * for its new board (`switchBoard`), and ignores what the server sent for the board it left.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { ClientMessageOf, ErrorCode, ServerMessageOf } from '../../../../functions/shared/protocol/room';
import {
  MAIN_BOARD,
  WHITEBOARD_ITEMS,
  WHITEBOARD_LIMITS,
  WHITEBOARD_REF_PREFIX,
  type BoardId,
  type WhiteboardItem,
} from '../../../../functions/shared/protocol/whiteboard';
import { Reassembler, splitMessage } from '../../../../functions/shared/whiteboard-chunks';
import { ResyncBackoff, type ResyncTiming } from './resync-backoff';

export type WhiteboardClientMessage = ClientMessageOf<'wb.sync'>;

/** Transaction origins: edits made here (tracked by undo) and updates from the server (never sent back). */
export const LOCAL_ORIGIN = 'local';
const REMOTE_ORIGIN = 'remote';

/** Refusals that sending the same edits again cannot cure: the page takes the server's board instead. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'board_locked',
  'board_full',
  'invalid_update',
  'not_allowed',
]);

export interface BoardSyncOptions {
  /** The least time between two frames of local edits; edits made meanwhile go out together. @default 80 */
  flushMs?: number;
  /** The waits before a resync after a refusal. @default WHITEBOARD_RESYNC */
  resync?: ResyncTiming;
  /** Told each time a resync runs, with the count so far (the view shows it for the e2e's failure reports). */
  onResync?: (resyncs: number) => void;
}

/** One document with its undo history; replaced whole when the page drops its edits for the server's board. */
interface BoardDocument {
  doc: Y.Doc;
  items: Y.Map<WhiteboardItem>;
  undo: Y.UndoManager;
}

export class BoardSync {
  private current: BoardDocument;
  private pending: Uint8Array[] = [];
  private online = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last frame of local edits went out (Date.now()). */
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private reassembler = new Reassembler(WHITEBOARD_LIMITS.boardBytes * 2);
  private readonly flushMs: number;
  private readonly backoff: ResyncBackoff;
  private readonly onResync: ((resyncs: number) => void) | undefined;
  private readonly listeners = new Set<() => void>();
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private dropLocal = false;
  private seq = 0;
  /** Resyncs run so far (tests and the e2e read it: a refusal must lead to one). */
  resyncs = 0;
  private currentBoard: BoardId = MAIN_BOARD;

  constructor(
    private readonly send: (message: WhiteboardClientMessage) => boolean,
    options: BoardSyncOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 80;
    this.backoff = new ResyncBackoff(options.resync);
    this.onResync = options.onResync;
    this.current = this.newDocument();
  }

  get doc(): Y.Doc {
    return this.current.doc;
  }

  get items(): Y.Map<WhiteboardItem> {
    return this.current.items;
  }

  /** Undo and redo of this page's own edits only. */
  get undo(): Y.UndoManager {
    return this.current.undo;
  }

  /** The board this page shows and draws on. */
  get board(): BoardId {
    return this.currentBoard;
  }

  /** The page's place changed: drop the old board's document and sync the new board from nothing. */
  switchBoard(board: BoardId): void {
    if (board === this.currentBoard) return;
    this.currentBoard = board;
    this.dropLocal = false;
    this.replaceDocument();
    if (this.online) this.handshake();
  }

  /** Calls `listener` after every change of the board, and when the document is replaced; returns its removal. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` as one local edit (one undo step). */
  edit(fn: (items: Y.Map<WhiteboardItem>) => void): void {
    this.doc.transact(() => fn(this.items), LOCAL_ORIGIN);
  }

  /** The room socket is (again) in the room: start the handshake. Edits made meanwhile travel in its step 2. */
  connected(): void {
    this.online = true;
    this.handshake();
  }

  disconnected(): void {
    this.online = false;
  }

  receive(message: ServerMessageOf<'wb.sync'>): void {
    if (message.board !== this.currentBoard) return;
    const bytes = this.reassembler.accept(message);
    if (!bytes) return;
    const decoder = decoding.createDecoder(bytes);
    if (decoding.peekVarUint(decoder) === syncProtocol.messageYjsSyncStep1) {
      decoding.readVarUint(decoder);
      this.answerStep1(decoding.readVarUint8Array(decoder));
      return;
    }
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), this.doc, REMOTE_ORIGIN);
  }

  /**
   * The server's step 1 is answered with what it lacks, in one step 2 per author when one would pass the
   * server's `messageBytes` (the server refuses a larger message). A server's state vector stops at the first
   * missing edit of each author (an update of theirs that failed), so what it "lacks" is then everything that
   * author drew since, though it holds most of it already: after an overloaded spell the one answer could carry most
   * of the board, be refused every time, and leave the gap in the stored board for good.
   */
  private answerStep1(serverVector: Uint8Array): void {
    const whole = Y.encodeStateAsUpdate(this.doc, serverVector);
    for (const update of byAuthor(this.doc, serverVector, whole, WHITEBOARD_LIMITS.messageBytes - SYNC_HEADER_BYTES)) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
      encoding.writeVarUint8Array(encoder, update);
      this.sendBytes(encoding.toUint8Array(encoder));
    }
  }

  /**
   * An `error` from the server. Returns false when it is not about one of our sync frames; otherwise schedules a
   * resync (one for every refusal that arrives before it runs).
   */
  refused(error: ServerMessageOf<'error'>): boolean {
    if (!error.ref?.startsWith(WHITEBOARD_REF_PREFIX)) return false;
    if (FINAL_REFUSALS.has(error.code)) this.dropLocal = true;
    this.scheduleResync();
    return true;
  }

  /**
   * The server failed a frame of this page without saying which (API Gateway's integration failure: a RoomSocket
   * run that threw or timed out). If it was one of our updates the server never stored it, and nothing else would
   * tell us: resync as after a refusal that may pass later. The handshake costs two state vectors when nothing
   * was lost.
   */
  serverFailed(): void {
    this.scheduleResync();
  }

  private scheduleResync(): void {
    const now = Date.now();
    if (this.resyncTimer !== undefined) {
      this.backoff.touch(now);
      return;
    }
    this.resyncTimer = setTimeout(() => this.resync(), this.backoff.next(now));
  }

  /** Sends gathered local edits now (tests and page unload; otherwise the timer does it). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.online || this.pending.length === 0) return;
    const update = Y.mergeUpdates(this.pending);
    this.pending = [];
    this.lastFlushAt = Date.now();
    const encoder = encoding.createEncoder();
    syncProtocol.writeUpdate(encoder, update);
    this.sendBytes(encoding.toUint8Array(encoder));
  }

  destroy(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.resyncTimer !== undefined) clearTimeout(this.resyncTimer);
    this.listeners.clear();
    this.current.undo.destroy();
    this.current.doc.destroy();
  }

  private newDocument(): BoardDocument {
    const doc = new Y.Doc();
    const items: Y.Map<WhiteboardItem> = doc.getMap(WHITEBOARD_ITEMS);
    const undo = new Y.UndoManager(items, { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: 0 });
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE_ORIGIN) {
        this.pending.push(update);
        this.schedule();
      }
      for (const listener of this.listeners) listener();
    });
    return { doc, items, undo };
  }

  /** Starts over from an empty document (the next handshake fills it with the server's board). */
  private replaceDocument(): void {
    const old = this.current;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.reassembler = new Reassembler(WHITEBOARD_LIMITS.boardBytes * 2);
    this.current = this.newDocument();
    old.undo.destroy();
    old.doc.destroy();
    for (const listener of this.listeners) listener();
  }

  private resync(): void {
    this.resyncTimer = undefined;
    this.resyncs += 1;
    this.onResync?.(this.resyncs);
    if (this.dropLocal) {
      this.dropLocal = false;
      // Edits the server would take (an erasure on a full board) go out first; the refused ones are dropped below.
      this.flush();
      this.replaceDocument();
    }
    // Offline, the next `connected` runs the handshake.
    if (this.online) this.handshake();
  }

  private handshake(): void {
    this.pending = [];
    const encoder = encoding.createEncoder();
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.sendBytes(encoding.toUint8Array(encoder));
  }

  /**
   * A throttle, not a debounce: holding every first edit for `flushMs` added that much to every stroke's way to the
   * others (80 of the ~100 ms median in bench:whiteboard). The wait is 0 after a quiet spell, yet still a timer, so
   * the edits of one task (an erasure of many items, a paste) go out in one frame.
   */
  private schedule(): void {
    if (this.timer !== undefined || !this.online) return;
    const wait = Math.max(0, this.lastFlushAt + this.flushMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private sendBytes(bytes: Uint8Array): void {
    const id = `${Date.now().toString(36)}${(this.seq += 1).toString(36)}`.slice(-16);
    const ref = `${WHITEBOARD_REF_PREFIX}${this.seq.toString(36)}`;
    for (const part of splitMessage(bytes, WHITEBOARD_LIMITS.clientPartBytes, id)) {
      // A refused send means the socket dropped: the next handshake carries everything the server lacks.
      if (!this.send({ type: 'wb.sync', ref, board: this.currentBoard, ...part })) {
        this.online = false;
        return;
      }
    }
  }
}

/** A sync message's type and length prefix: one byte and a varint of at most five. */
const SYNC_HEADER_BYTES = 6;

/**
 * `whole` (the document's edits past `serverVector`) as it is when it fits `maxBytes`, else one update per author
 * with edits past the vector (each with the document's deletions, which applying twice does not change). An author
 * whose own part is still larger goes as it is, and the server refuses it as before.
 */
export function byAuthor(doc: Y.Doc, serverVector: Uint8Array, whole: Uint8Array, maxBytes: number): Uint8Array[] {
  if (whole.length <= maxBytes) return [whole];
  const local = Y.decodeStateVector(Y.encodeStateVector(doc));
  const server = Y.decodeStateVector(serverVector);
  const parts: Uint8Array[] = [];
  for (const [author, clock] of local) {
    if (clock <= (server.get(author) ?? 0)) continue;
    // Every other author as far as this page has them, this one as far as the server has them.
    const target = new Map(local);
    target.set(author, server.get(author) ?? 0);
    parts.push(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(target)));
  }
  return parts.length > 0 ? parts : [whole];
}

/** The board's items, in drawing order (the same on every page). */
export function orderedItems(items: Y.Map<WhiteboardItem>): [string, WhiteboardItem][] {
  return [...items.entries()].sort(([ia, a], [ib, b]) => a.order - b.order || (ia < ib ? -1 : ia > ib ? 1 : 0));
}

/** A canonical JSON of the board: equal on two pages exactly when they show the same items. */
export function canonicalBoard(items: Y.Map<WhiteboardItem>): string {
  return JSON.stringify(orderedItems(items));
}
