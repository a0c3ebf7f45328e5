import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  addsNothing,
  boardDocument,
  checkUpdate,
  clearUpdate,
  compactBoard,
  decodeSyncMessage,
  syncStep2,
  syncUpdate,
} from '../../../functions/room/whiteboard/sync-adapter';
import { WHITEBOARD_LIMITS } from '../../../functions/shared/protocol/whiteboard';
import { Reassembler, splitMessage, toBase64, fromBase64 } from '../../../functions/shared/whiteboard-chunks';

const item = (n: number) => ({
  kind: 'pen',
  owner: 'o',
  colour: '#000000',
  width: 2,
  points: [n, n, n + 1, n],
  order: n,
});

describe('whiteboard sync adapter', () => {
  it('reads the messages y-protocols writes, and writes what y-protocols reads', () => {
    const doc = new Y.Doc();
    doc.getMap('items').set('a', item(1));
    const step1 = encoding.createEncoder();
    syncProtocol.writeSyncStep1(step1, doc);
    const read = decodeSyncMessage(encoding.toUint8Array(step1));
    expect(read.kind).toBe('step1');

    const other = new Y.Doc();
    const answer = syncStep2(Y.encodeStateAsUpdate(doc));
    syncProtocol.readSyncMessage(decoding.createDecoder(answer), encoding.createEncoder(), other, 'test');
    expect(other.getMap('items').get('a')).toEqual(item(1));
    expect(decodeSyncMessage(syncUpdate(new Uint8Array([0, 0]))).kind).toBe('update');
    expect(() => decodeSyncMessage(new Uint8Array([7, 0]))).toThrow(/unknown/);
    expect(() => decodeSyncMessage(new Uint8Array([2, 1, 0, 9]))).toThrow(/trailing/);
  });

  it('accepts board items and deletions, and counts only inserts', () => {
    const doc = new Y.Doc();
    const before = Y.encodeStateVector(doc);
    doc.getMap('items').set('a', item(1));
    expect(checkUpdate(Y.encodeStateAsUpdate(doc, before))).toEqual({ inserts: 1 });
    const sv = Y.encodeStateVector(doc);
    doc.getMap('items').delete('a');
    expect(checkUpdate(Y.encodeStateAsUpdate(doc, sv))).toEqual({ inserts: 0 });
    const bad = new Y.Doc();
    bad.getMap('items').set('bad id!', item(1));
    expect(checkUpdate(Y.encodeStateAsUpdate(bad)).problem).toBe('invalid item id');
    const nested = new Y.Doc();
    nested.getMap('items').set('n', new Y.Map());
    expect(checkUpdate(Y.encodeStateAsUpdate(nested)).problem).toMatch(/only board items/);
  });

  it('compacts a long log into one update that drops erased items’ content', () => {
    const doc = new Y.Doc();
    const log: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => log.push(u));
    for (let i = 0; i < 500; i += 1) doc.getMap('items').set(`i${i}`, item(i));
    for (let i = 0; i < 400; i += 1) doc.getMap('items').delete(`i${i}`);
    const snapshot = compactBoard(log);
    const logBytes = log.reduce((n, u) => n + u.length, 0);
    // Erased items keep only a tombstone (id and key); their points are gone.
    expect(snapshot.length).toBeLessThan(logBytes / 3);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, snapshot);
    expect(copy.getMap('items').toJSON()).toEqual(doc.getMap('items').toJSON());
    const cleared = new Y.Doc();
    Y.applyUpdate(cleared, snapshot);
    const board = boardDocument([snapshot]);
    Y.applyUpdate(cleared, clearUpdate(board));
    board.destroy();
    expect(cleared.getMap('items').size).toBe(0);
  });

  it('compacts a log whose entries arrive out of order, and keeps an entry still waiting for the one before it', () => {
    const doc = new Y.Doc();
    const log: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => log.push(u));
    for (let i = 0; i < 6; i += 1) doc.getMap('items').set(`i${i}`, item(i));
    doc.getMap('items').delete('i2');
    const shuffled = [log[4]!, log[1]!, log[6]!, log[0]!, log[5]!, log[3]!, log[2]!];
    const read = (update: Uint8Array) => {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, update);
      return copy.getMap('items').toJSON();
    };
    expect(read(compactBoard(shuffled))).toEqual(doc.getMap('items').toJSON());
    // Without entry 0, the rest wait; the snapshot still carries them, and they show once entry 0 comes.
    const waiting = compactBoard(shuffled.filter((u) => u !== log[0]));
    expect(Object.keys(read(waiting))).toEqual([]);
    expect(read(compactBoard([waiting, log[0]!]))).toEqual(doc.getMap('items').toJSON());
  });
});

describe('whiteboard chunking', () => {
  it('sends small messages whole and large ones in parts that reassemble in any order', () => {
    const small = new Uint8Array([1, 2, 3]);
    expect(splitMessage(small, 6, 'x')).toEqual([{ message: toBase64(small) }]);
    const big = Uint8Array.from({ length: 20_000 }, (_v, i) => i % 251);
    const parts = splitMessage(big, WHITEBOARD_LIMITS.clientPartBytes, 'abc');
    expect(parts).toHaveLength(Math.ceil(20_000 / WHITEBOARD_LIMITS.clientPartBytes));
    const r = new Reassembler(100_000);
    const shuffled = [parts[2]!, parts[0]!, parts[3]!, parts[1]!];
    const results = shuffled.map((p) => r.accept(p));
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toEqual(big);
    expect(fromBase64(toBase64(big))).toEqual(big);
  });

  it('refuses a reassembled message over its limit and forgets parts that never complete', () => {
    const big = new Uint8Array(100);
    const r = new Reassembler(50, 2);
    const parts = splitMessage(big, 30, 'a');
    expect(() => parts.forEach((p) => r.accept(p))).toThrow(RangeError);
    const r2 = new Reassembler(1000, 1);
    r2.accept(splitMessage(big, 60, 'one')[0]!);
    r2.accept(splitMessage(big, 60, 'two')[0]!);
    // "one" was dropped when "two" started: its second part alone completes nothing.
    expect(r2.accept(splitMessage(big, 60, 'one')[1]!)).toBeUndefined();
  });

  it('tells a catch-up that brings nothing new (repeated deletions included) from one that brings news', () => {
    const page = new Y.Doc();
    const items = page.getMap('items');
    items.set('a', item(1));
    items.set('b', item(2));
    items.delete('a');
    const server = compactBoard([Y.encodeStateAsUpdate(page)]);
    // The server's board as the handler holds it for a handshake: a document (withBoardDocument), or merged updates.
    const serverDoc = boardDocument([server]);
    const sv = Y.encodeStateVectorFromUpdate(server);
    expect(Y.encodeStateVector(serverDoc)).toEqual(sv);
    const check = (update: Uint8Array) => {
      const answers = [addsNothing(update, server), addsNothing(update, serverDoc)];
      expect(answers[1]).toBe(answers[0]);
      return answers[0];
    };
    // What a page answers to the server's step 1: nothing the server lacks, but the whole delete set again.
    expect(check(Y.diffUpdate(Y.encodeStateAsUpdate(page), sv))).toBe(true);
    items.delete('b');
    expect(check(Y.diffUpdate(Y.encodeStateAsUpdate(page), sv))).toBe(false);
    const other = new Y.Doc();
    Y.applyUpdate(other, server);
    other.getMap('items').set('c', item(3));
    expect(check(Y.diffUpdate(Y.encodeStateAsUpdate(other), sv))).toBe(false);
  });
});
