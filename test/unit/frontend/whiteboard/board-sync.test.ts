import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
  BoardSync,
  canonicalBoard,
  type WhiteboardClientMessage,
} from '../../../../frontend/src/features/whiteboard/board-sync';
import { ResyncBackoff } from '../../../../frontend/src/features/whiteboard/resync-backoff';
import { decodeSyncMessage, syncStep1, syncStep2 } from '../../../../functions/room/whiteboard/sync-adapter';
import type { ServerMessageOf } from '../../../../functions/shared/protocol/room';
import {
  MAIN_BOARD,
  WHITEBOARD_LIMITS,
  WHITEBOARD_RESYNC,
  type WhiteboardItem,
} from '../../../../functions/shared/protocol/whiteboard';
import { Reassembler, fromBase64, toBase64 } from '../../../../functions/shared/whiteboard-chunks';

const stroke = (n: number): WhiteboardItem => ({
  kind: 'pen',
  owner: 'me',
  colour: '#112233',
  width: 3,
  points: [n, n, n + 1, n + 1],
  order: n,
});

/** The y-protocols message type of a sent frame (0: step 1, 1: step 2, 2: update) and its payload. */
function read(frame: WhiteboardClientMessage): { type: number; payload: Uint8Array } {
  const decoder = decoding.createDecoder(fromBase64(frame.message));
  return { type: decoding.readVarUint(decoder), payload: decoding.readVarUint8Array(decoder) };
}

const refusal = (code: ServerMessageOf<'error'>['code'], ref = 'wb-1'): ServerMessageOf<'error'> => ({
  type: 'error',
  code,
  message: 'refused',
  ref,
});

describe('the resync backoff', () => {
  it('doubles from 0.5 s up to 30 s, and starts over after a quiet minute', () => {
    const b = new ResyncBackoff();
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i += 1) waits.push(b.next((now += 1000)));
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    b.touch((now += WHITEBOARD_RESYNC.quietMs - 1));
    expect(b.next((now += WHITEBOARD_RESYNC.quietMs - 1))).toBe(30_000);
    expect(b.next(now + WHITEBOARD_RESYNC.quietMs)).toBe(WHITEBOARD_RESYNC.firstMs);
  });
});

describe('a page whose board update is refused', () => {
  let sent: WhiteboardClientMessage[];
  let sync: BoardSync;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    sync = new BoardSync((m) => {
      sent.push(m);
      return true;
    });
    sync.connected();
    sent.length = 0;
  });
  afterEach(() => {
    sync.destroy();
    jest.useRealTimers();
  });

  it('labels its sync frames so that refusals can be told apart', () => {
    sync.edit((items) => items.set('a', stroke(1)));
    sync.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.ref).toMatch(/^wb-/);
    expect(sync.refused(refusal('rate_limited', 'c-1'))).toBe(false);
    expect(sync.refused({ type: 'error', code: 'rate_limited', message: 'no ref' })).toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(1);
  });

  it('asks for the board again after a backoff, once for refusals that come together, keeping its edits', () => {
    sync.edit((items) => items.set('a', stroke(1)));
    sync.flush();
    sent.length = 0;
    expect(sync.refused(refusal('rate_limited'))).toBe(true);
    expect(sync.refused(refusal('rate_limited', 'wb-2'))).toBe(true);
    jest.advanceTimersByTime(WHITEBOARD_RESYNC.firstMs - 1);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    const step1 = read(sent[0]!);
    expect(step1.type).toBe(0);
    // Its state vector still names the stroke: the server's step 1 will draw it out of the page once more.
    expect(Y.decodeStateVector(step1.payload).get(sync.doc.clientID)).toBe(1);
    expect(sync.items.has('a')).toBe(true);

    // Refused again: twice the wait.
    sent.length = 0;
    sync.refused(refusal('rate_limited', 'wb-3'));
    jest.advanceTimersByTime(2 * WHITEBOARD_RESYNC.firstMs - 1);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    expect(sync.resyncs).toBe(2);
  });

  it('tells its owner each resync when it runs, not when the refusal asking for it arrives', () => {
    const told: number[] = [];
    const own = new BoardSync((m) => sent.push(m) > 0, { onResync: (n) => told.push(n) });
    own.connected();
    sent.length = 0;
    own.refused(refusal('rate_limited'));
    expect(told).toEqual([]);
    jest.advanceTimersByTime(WHITEBOARD_RESYNC.firstMs);
    expect(told).toEqual([1]);
    own.refused(refusal('rate_limited', 'wb-2'));
    jest.advanceTimersByTime(2 * WHITEBOARD_RESYNC.firstMs);
    expect(told).toEqual([1, 2]);
    own.destroy();
  });

  it('drops what the server will never take and takes the server’s board instead', () => {
    const server = new Y.Doc();
    server.getMap('items').set('theirs', stroke(5));
    sync.receive({ type: 'wb.sync', board: MAIN_BOARD, message: toBase64(syncStep2(Y.encodeStateAsUpdate(server))) });
    sync.edit((items) => items.set('mine', stroke(1)));
    sync.flush();
    let changes = 0;
    sync.onChange(() => (changes += 1));
    sent.length = 0;
    sync.refused(refusal('board_locked'));
    jest.advanceTimersByTime(WHITEBOARD_RESYNC.firstMs);
    expect(changes).toBe(1);
    expect(sync.items.size).toBe(0);
    expect(sent).toHaveLength(1);
    const step1 = read(sent[0]!);
    expect(step1.type).toBe(0);
    expect(Y.decodeStateVector(step1.payload).size).toBe(0);
    // The server's answer fills the new document with its board alone.
    sync.receive({ type: 'wb.sync', board: MAIN_BOARD, message: toBase64(syncStep2(Y.encodeStateAsUpdate(server))) });
    expect([...sync.items.keys()]).toEqual(['theirs']);
    sync.edit((items) => items.set('later', stroke(2)));
    sync.flush();
    expect(read(sent.at(-1)!).type).toBe(2);
  });

  it('waits for the socket when the resync falls due offline', () => {
    sync.refused(refusal('unavailable'));
    sync.disconnected();
    jest.advanceTimersByTime(WHITEBOARD_RESYNC.firstMs);
    expect(sent).toEqual([]);
    sync.connected();
    expect(read(sent[0]!).type).toBe(0);
  });
});

describe('how local edits go out', () => {
  let sent: WhiteboardClientMessage[];
  let sync: BoardSync;
  /** The item keys each sent frame brought, applying the frames in order to another page's document. */
  const keysPerFrame = () => {
    const other = new Y.Doc();
    const seen = new Set<string>();
    return sent.map((frame) => {
      Y.applyUpdate(other, read(frame).payload);
      const added = [...other.getMap('items').keys()].filter((k) => !seen.has(k)).sort();
      added.forEach((k) => seen.add(k));
      return added;
    });
  };

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    sync = new BoardSync(
      (m) => {
        sent.push(m);
        return true;
      },
      { flushMs: 80 },
    );
    sync.connected();
    sent.length = 0;
  });
  afterEach(() => {
    sync.destroy();
    jest.useRealTimers();
  });

  it('sends a stroke after a quiet spell at once, not after the batching time', () => {
    sync.edit((items) => items.set('a', stroke(1)));
    jest.advanceTimersByTime(1);
    expect(keysPerFrame()).toEqual([['a']]);
  });

  it('sends the edits of one task in one frame', () => {
    sync.edit((items) => items.set('a', stroke(1)));
    sync.edit((items) => items.set('b', stroke(2)));
    sync.edit((items) => items.set('c', stroke(3)));
    jest.advanceTimersByTime(1);
    expect(keysPerFrame()).toEqual([['a', 'b', 'c']]);
  });

  it('sends at most one frame per batching time, the edits made meanwhile together', () => {
    sync.edit((items) => items.set('a', stroke(1)));
    jest.advanceTimersByTime(1);
    for (const [i, key] of ['b', 'c', 'd'].entries()) {
      jest.advanceTimersByTime(20);
      sync.edit((items) => items.set(key, stroke(i + 2)));
    }
    // 61 ms after the first frame: the rest waits until 80 ms have passed since it.
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(18);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(keysPerFrame()).toEqual([['a'], ['b', 'c', 'd']]);
    // Drawing on without a pause: still one frame per 80 ms.
    sync.edit((items) => items.set('e', stroke(5)));
    jest.advanceTimersByTime(79);
    expect(sent).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(keysPerFrame()).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });
});

describe('answering the server’s step 1', () => {
  /** An author's long strokes: `count` items of the most coordinates an item may have. */
  function authorDoc(author: number, count: number): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = author;
    const points = Array.from({ length: WHITEBOARD_LIMITS.itemCoordinates * 2 }, (_v, i) => i + author / 7);
    doc.transact(() => {
      for (let n = 0; n < count; n += 1) doc.getMap('items').set(`${author}-${n}`, { ...stroke(n), points });
    });
    return doc;
  }

  /** The whole messages a page sent (its frames reassembled), as the server decodes them. */
  function messages(frames: WhiteboardClientMessage[]) {
    const parts = new Reassembler(Number.MAX_SAFE_INTEGER);
    return frames.flatMap((f) => {
      const bytes = parts.accept(f);
      return bytes ? [{ bytes: bytes.length, sync: decodeSyncMessage(bytes) }] : [];
    });
  }

  let sent: WhiteboardClientMessage[];
  let sync: BoardSync;
  beforeEach(() => {
    sent = [];
    sync = new BoardSync((m) => {
      sent.push(m);
      return true;
    });
    sync.connected();
    const authors = [101, 102, 103].map((a) => authorDoc(a, 3));
    const board = Y.mergeUpdates(authors.map((d) => Y.encodeStateAsUpdate(d)));
    expect(board.length).toBeGreaterThan(WHITEBOARD_LIMITS.messageBytes);
    sync.receive({ type: 'wb.sync', board: MAIN_BOARD, message: toBase64(syncStep2(board)) });
    sent.length = 0;
  });
  afterEach(() => sync.destroy());

  it('sends what the server lacks in one step 2 when it fits a message', () => {
    // The server has everything of two authors and nothing of the third.
    const vector = Y.decodeStateVector(Y.encodeStateVector(sync.doc));
    vector.delete(103);
    sync.receive({ type: 'wb.sync', board: MAIN_BOARD, message: toBase64(syncStep1(Y.encodeStateVector(vector))) });
    const sentMessages = messages(sent);
    expect(sentMessages).toHaveLength(1);
    expect(sentMessages[0]!.sync.kind).toBe('step2');
  });

  it('splits an answer larger than the server takes into one step 2 per author, which rebuild the board', () => {
    // A server that lost its board (or whose vector stops at an early missing edit of each author).
    sync.receive({
      type: 'wb.sync',
      board: MAIN_BOARD,
      message: toBase64(syncStep1(Y.encodeStateVector(new Y.Doc()))),
    });
    const sentMessages = messages(sent);
    expect(sentMessages).toHaveLength(3);
    const server = new Y.Doc();
    for (const m of sentMessages) {
      expect(m.sync.kind).toBe('step2');
      expect(m.bytes).toBeLessThanOrEqual(WHITEBOARD_LIMITS.messageBytes);
      if (m.sync.kind !== 'step1') Y.applyUpdate(server, m.sync.update);
    }
    expect(canonicalBoard(server.getMap('items'))).toBe(canonicalBoard(sync.items));
  });
});
