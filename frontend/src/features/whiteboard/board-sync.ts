/**
 * The page's whiteboard document and its sync over the room socket (y-protocols' sync messages in `wb.sync`
 * frames). On every (re)entry into the room the page sends its state vector and gets what it lacks; the server then
 * sends its own state vector and the page answers with what the server lacks, so strokes drawn while the socket was
 * down arrive once it is back. Local edits are batched for `flushMs` so fast drawing sends a few frames a second,
 * not one per pointer event. No DOM here: the unit tests and the benchmark drive it directly.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { ClientMessageOf, ServerMessageOf } from '../../../../functions/shared/protocol/room';
import {
  WHITEBOARD_ITEMS,
  WHITEBOARD_LIMITS,
  type WhiteboardItem,
} from '../../../../functions/shared/protocol/whiteboard';
import { Reassembler, splitMessage } from '../../../../functions/shared/whiteboard-chunks';

export type WhiteboardClientMessage = ClientMessageOf<'wb.sync'>;

/** Transaction origins: edits made here (tracked by undo) and updates from the server (never sent back). */
export const LOCAL_ORIGIN = 'local';
const REMOTE_ORIGIN = 'remote';

export interface BoardSyncOptions {
  /** How long local edits are gathered into one frame. @default 80 */
  flushMs?: number;
}

export class BoardSync {
  readonly doc = new Y.Doc();
  readonly items: Y.Map<WhiteboardItem> = this.doc.getMap(WHITEBOARD_ITEMS);
  /** Undo and redo of this page's own edits only. */
  readonly undo = new Y.UndoManager(this.items, { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: 0 });
  private pending: Uint8Array[] = [];
  private online = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly reassembler = new Reassembler(WHITEBOARD_LIMITS.boardBytes * 2);
  private readonly flushMs: number;
  private seq = 0;

  constructor(
    private readonly send: (message: WhiteboardClientMessage) => boolean,
    options: BoardSyncOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 80;
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE_ORIGIN) return;
      this.pending.push(update);
      this.schedule();
    });
  }

  /** Runs `fn` as one local edit (one undo step). */
  edit(fn: (items: Y.Map<WhiteboardItem>) => void): void {
    this.doc.transact(() => fn(this.items), LOCAL_ORIGIN);
  }

  /** The room socket is (again) in the room: start the handshake. Edits made meanwhile travel in its step 2. */
  connected(): void {
    this.online = true;
    this.pending = [];
    const encoder = encoding.createEncoder();
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.sendBytes(encoding.toUint8Array(encoder));
  }

  disconnected(): void {
    this.online = false;
  }

  receive(message: ServerMessageOf<'wb.sync'>): void {
    const bytes = this.reassembler.accept(message);
    if (!bytes) return;
    const decoder = decoding.createDecoder(bytes);
    const encoder = encoding.createEncoder();
    syncProtocol.readSyncMessage(decoder, encoder, this.doc, REMOTE_ORIGIN);
    // The server's step 1 is answered with what it lacks.
    if (encoding.length(encoder) > 0) this.sendBytes(encoding.toUint8Array(encoder));
  }

  /** Sends gathered local edits now (tests and page unload; otherwise the timer does it). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.online || this.pending.length === 0) return;
    const update = Y.mergeUpdates(this.pending);
    this.pending = [];
    const encoder = encoding.createEncoder();
    syncProtocol.writeUpdate(encoder, update);
    this.sendBytes(encoding.toUint8Array(encoder));
  }

  destroy(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.undo.destroy();
    this.doc.destroy();
  }

  private schedule(): void {
    if (this.timer !== undefined || !this.online) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  private sendBytes(bytes: Uint8Array): void {
    const id = `${Date.now().toString(36)}${(this.seq += 1).toString(36)}`.slice(-16);
    for (const part of splitMessage(bytes, WHITEBOARD_LIMITS.clientPartBytes, id)) {
      // A refused send means the socket dropped: the next handshake carries everything the server lacks.
      if (!this.send({ type: 'wb.sync', ...part })) {
        this.online = false;
        return;
      }
    }
  }
}

/** The board's items, in drawing order (the same on every page). */
export function orderedItems(items: Y.Map<WhiteboardItem>): [string, WhiteboardItem][] {
  return [...items.entries()].sort(([ia, a], [ib, b]) => a.order - b.order || (ia < ib ? -1 : ia > ib ? 1 : 0));
}

/** A canonical JSON of the board: equal on two pages exactly when they show the same items. */
export function canonicalBoard(items: Y.Map<WhiteboardItem>): string {
  return JSON.stringify(orderedItems(items));
}
