/**
 * The server's side of the y-protocols sync protocol, without a live document: the room socket Lambda holds no
 * state between messages, so it reads the message type and payload itself (the same lib0 encoding y-protocols
 * writes) and works on encoded updates (Y.mergeUpdates, Y.diffUpdate) instead of a Y.Doc.
 * See https://github.com/yjs/y-protocols/blob/master/PROTOCOL.md.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';
import * as Y from 'yjs';
import { WHITEBOARD_ITEMS, whiteboardItemIdSchema, whiteboardItemSchema } from '../../shared/protocol/whiteboard';

/** `step2` answers our step 1 (a page's catch-up), `update` is a live edit; both carry a Yjs update. */
export type SyncMessage = { kind: 'step1'; stateVector: Uint8Array } | { kind: 'step2' | 'update'; update: Uint8Array };

/** Reads one sync message; throws on anything that is not one (the caller answers `invalid_update`). */
export function decodeSyncMessage(bytes: Uint8Array): SyncMessage {
  const decoder = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after the sync message');
  if (type === messageYjsSyncStep1) {
    // Throws on a malformed state vector.
    Y.decodeStateVector(payload);
    return { kind: 'step1', stateVector: payload };
  }
  if (type === messageYjsSyncStep2) return { kind: 'step2', update: payload };
  if (type === messageYjsUpdate) return { kind: 'update', update: payload };
  throw new Error(`unknown sync message type ${type}`);
}

function encode(type: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export const syncStep1 = (stateVector: Uint8Array) => encode(messageYjsSyncStep1, stateVector);
export const syncStep2 = (update: Uint8Array) => encode(messageYjsSyncStep2, update);
export const syncUpdate = (update: Uint8Array) => encode(messageYjsUpdate, update);

/** An empty update (no structs, no deletions) is two zero bytes in Yjs's v1 encoding. */
export const EMPTY_UPDATE: Readonly<Uint8Array> = new Uint8Array([0, 0]);

export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length <= 2 && update.every((b) => b === 0);
}

/**
 * True when `update` holds no item the board `state` lacks and deletes only what `state` already deleted: a page's
 * answer to the server's step 1 always carries its whole delete set, so only this tells a catch-up with nothing new
 * from one that brings news. (`update` is already diffed against `state`'s state vector.)
 */
export function addsNothing(update: Uint8Array, state: Uint8Array | Y.Doc): boolean {
  const mine = Y.decodeUpdate(update);
  if (mine.structs.some((s) => !(s instanceof Y.Skip))) return false;
  const known = (state instanceof Y.Doc ? Y.createDeleteSetFromStructStore(state.store) : Y.decodeUpdate(state).ds)
    .clients;
  for (const [client, ranges] of mine.ds.clients) {
    const have = known.get(client) ?? [];
    for (const r of ranges) {
      if (!covered(have, r.clock, r.clock + r.len)) return false;
    }
  }
  return true;
}

/** Whether [from, to) lies within the union of `ranges` (a delete set's ranges for one client, sorted by clock). */
function covered(ranges: readonly { clock: number; len: number }[], from: number, to: number): boolean {
  let at = from;
  for (const r of [...ranges].sort((a, b) => a.clock - b.clock)) {
    if (r.clock > at) break;
    at = Math.max(at, r.clock + r.len);
    if (at >= to) return true;
  }
  return at >= to;
}

export interface UpdateCheck {
  /** Why the update is refused; undefined when it is acceptable. */
  problem?: string;
  /** Items it adds or replaces (0: it only deletes, which a full board still accepts). */
  inserts: number;
}

/**
 * Checks an update before it is stored or relayed: it must decode, and everything it inserts must be a board item
 * (a plain value matching the item schema under an item id in the `items` map) or a deletion. Nested types, text,
 * binary and sub-documents are refused: no page makes them, and a stored update that breaks pages would break them
 * for every later joiner too.
 */
export function checkUpdate(update: Uint8Array): UpdateCheck {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { problem: 'not a Yjs update', inserts: 0 };
  }
  let inserts = 0;
  const problem = itemProblem(decoded.structs, () => (inserts += 1));
  return problem ? { problem, inserts } : { inserts };
}

function itemProblem(structs: ReturnType<typeof Y.decodeUpdate>['structs'], counted: () => void): string | undefined {
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue; // GC and Skip: ranges of deleted or absent content
    // A root parent is named; an item written next to an existing one names its neighbour instead (parent null).
    if (typeof struct.parent === 'string' && struct.parent !== WHITEBOARD_ITEMS) return 'unknown shared type';
    if (struct.parent !== null && typeof struct.parent !== 'string') return 'nested shared types are not allowed';
    if (struct.parentSub !== null && !whiteboardItemIdSchema.safeParse(struct.parentSub).success) {
      return 'invalid item id';
    }
    const { content } = struct;
    if (content instanceof Y.ContentDeleted) continue;
    if (!(content instanceof Y.ContentAny)) return 'only board items may be stored';
    // An item written next to an existing one (a move, a redo: a key set again) carries neither parent nor key:
    // it takes both from that neighbour, which itself passed this check. Only a named parent without a key is a
    // sequence insert, which the board never makes.
    if (struct.parentSub === null && struct.parent !== null) return 'board items live in a map';
    for (const value of content.arr) {
      const item = whiteboardItemSchema.safeParse(value);
      if (!item.success) return `invalid item: ${item.error.issues[0]?.message ?? 'schema'}`;
      counted();
    }
  }
  return undefined;
}

/**
 * The board as a document, each update applied in turn (deleted items' content is dropped: Y.Doc's garbage
 * collection). Not merged as updates first: Y.mergeUpdates decodes and writes the whole board once more only for the
 * document to decode it again. The order does not matter (an update that arrives before one it builds on waits in the
 * document, and its encoding carries it). The caller destroys it.
 */
export function boardDocument(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc({ gc: true });
  doc.transact(() => {
    for (const update of updates) if (!isEmptyUpdate(update)) Y.applyUpdate(doc, update);
  });
  return doc;
}

/**
 * The answer to a page's sync step 1: what the page lacks of `board` (its state vector says what it has), and the
 * board's own state vector, so the page sends back what the board lacks. Throws on a state vector that does not decode.
 */
export function step1Answer(board: Y.Doc, stateVector: Uint8Array): { missing: Uint8Array; vector: Uint8Array } {
  return { missing: Y.encodeStateAsUpdate(board, stateVector), vector: Y.encodeStateVector(board) };
}

/** The whole board as one compact update (about half the time of merging first: bench:whiteboard-storage). */
export function compactBoard(updates: readonly Uint8Array[]): Uint8Array {
  const doc = boardDocument(updates);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * An update that deletes every item of `board` (the board as a document: boardDocument): what "clear" stores and
 * relays. It deletes them in `board` itself, which the caller then destroys.
 */
export function clearUpdate(board: Y.Doc): Uint8Array {
  const before = Y.encodeStateVector(board);
  const items = board.getMap(WHITEBOARD_ITEMS);
  board.transact(() => {
    for (const key of [...items.keys()]) items.delete(key);
  });
  return Y.encodeStateAsUpdate(board, before);
}
