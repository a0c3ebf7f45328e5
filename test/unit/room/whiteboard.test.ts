import * as Y from 'yjs';
import { BoardSync, canonicalBoard } from '../../../frontend/src/features/whiteboard/board-sync';
import { compactAllWhiteboards } from '../../../functions/room/whiteboard/board-compaction';
import { COMPACT_AFTER } from '../../../functions/room/whiteboard/whiteboard-actions';
import { syncUpdate } from '../../../functions/room/whiteboard/sync-adapter';
import { MAIN_BOARD, WHITEBOARD_LIMITS, type WhiteboardItem } from '../../../functions/shared/protocol/whiteboard';
import { roomKeys } from '../../../functions/shared/redis-keys';
import { toBase64 } from '../../../functions/shared/whiteboard-chunks';
import { createHarness, type Harness, type Sock } from './harness';

const stroke = (owner: string, n: number, points = 4): WhiteboardItem => ({
  kind: 'pen',
  owner,
  colour: '#112233',
  width: 3,
  points: Array.from({ length: points * 2 }, (_v, i) => n * 10 + i),
  order: n,
});

describe('the shared whiteboard on the room socket', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;

  /** A page: its BoardSync wired to the harness (frames out through the room handler, `wb.sync` frames back in). */
  function page(who: Sock) {
    const out: object[] = [];
    const sync = new BoardSync(
      (m) => {
        out.push(m);
        return true;
      },
      // Resyncs after a refusal come at once here (the waits themselves are board-sync.test.ts's business).
      { flushMs: 60_000, resync: { firstMs: 1, maxMs: 1, quietMs: 60_000 } },
    );
    // By identity, not position: h.clear() empties the inboxes under us.
    const seen = new WeakSet<object>();
    return {
      who,
      sync,
      out,
      async pump() {
        for (let round = 0; round < 50; round += 1) {
          let moved = false;
          while (out.length > 0) {
            await h.send(who, out.shift()!);
            moved = true;
          }
          for (const m of h.inbox(who)) {
            if (seen.has(m)) continue;
            seen.add(m);
            if (m.type === 'wb.sync') {
              sync.receive(m);
              moved = true;
            } else if (m.type === 'error') {
              sync.refused(m);
            }
          }
          if (!moved) return;
        }
      },
    };
  }
  type Page = ReturnType<typeof page>;

  async function settle(...pages: Page[]) {
    for (let round = 0; round < 5; round += 1) {
      for (const p of pages) {
        p.sync.flush();
        await p.pump();
      }
    }
  }

  async function open(who: Sock): Promise<Page> {
    const p = page(who);
    p.sync.connected();
    await p.pump();
    return p;
  }

  /** Lets due resync timers run, then the traffic they start. */
  async function resynced(...pages: Page[]) {
    for (let round = 0; round < 3; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await settle(...pages);
    }
  }

  const errors = (who: Sock) => h.of(who, 'error').map((e) => e.code);

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    h.clear();
  });
  afterEach(() => h.restore());

  it('converges strokes drawn at the same moment and gives a late joiner all of them, then live updates', async () => {
    const a = await open(host);
    const b = await open(bob);
    for (let i = 0; i < 20; i += 1) {
      a.sync.edit((items) => items.set(`a${i}`, stroke('alice', i)));
      b.sync.edit((items) => items.set(`b${i}`, stroke('bob', i)));
      if (i % 5 === 0) await settle(a, b);
    }
    await settle(a, b);
    expect(a.sync.items.size).toBe(40);
    expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));

    const carol = await h.joined(roomId, 'sub-carol', { name: 'Carol' });
    const c = await open(carol);
    expect(canonicalBoard(c.sync.items)).toBe(canonicalBoard(a.sync.items));
    expect(h.last(carol, 'wb.status')).toMatchObject({ locked: false, maxBytes: WHITEBOARD_LIMITS.boardBytes });

    a.sync.edit((items) => items.delete('b3'));
    await settle(a, b, c);
    expect(c.sync.items.has('b3')).toBe(false);
    expect(canonicalBoard(c.sync.items)).toBe(canonicalBoard(b.sync.items));
  });

  it('merges edits made while the socket was down when the page comes back', async () => {
    const a = await open(host);
    const b = await open(bob);
    b.sync.disconnected();
    b.sync.edit((items) => items.set('offline1', stroke('bob', 1)));
    b.sync.edit((items) => items.set('offline2', stroke('bob', 2)));
    a.sync.edit((items) => items.set('online', stroke('alice', 3)));
    await settle(a);
    b.out.length = 0; // whatever the dead socket would have carried is lost
    b.sync.connected();
    await settle(a, b);
    expect([...a.sync.items.keys()].sort()).toEqual(['offline1', 'offline2', 'online']);
    expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));
  });

  it('recovers an update the server failed without a word (API Gateway’s integration failure): the page resyncs', async () => {
    const a = await open(host);
    const b = await open(bob);
    a.sync.edit((items) => items.set('kept', stroke('alice', 1)));
    await settle(a, b);
    // The next frame dies in a RoomSocket run that timed out: nothing is stored, and the page is told only that
    // one of its frames failed (no ref, no code).
    a.sync.edit((items) => items.set('lost-in-a-timeout', stroke('alice', 2)));
    a.sync.flush();
    expect(a.out).toHaveLength(1);
    a.out.length = 0;
    await settle(a, b);
    expect([...b.sync.items.keys()]).toEqual(['kept']);

    a.sync.serverFailed();
    await resynced(a, b);
    expect([...b.sync.items.keys()].sort()).toEqual(['kept', 'lost-in-a-timeout']);
    expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));
    expect(a.sync.resyncs).toBe(1);
  });

  it('takes a move of an own item and a redo of an erase, and the page keeps in step afterwards', async () => {
    // Setting a key that already had a value writes an item next to the old one: Yjs then names the neighbour, not
    // the map and key, so a check that wants the key on every item refused every move and redo, and every later
    // stroke of that page waited on the refused one in every other document.
    const a = await open(host);
    const b = await open(bob);
    a.sync.edit((items) => items.set('mine', stroke('alice', 1)));
    await settle(a, b);
    a.sync.edit((items) => items.set('mine', { ...stroke('alice', 1), points: [50, 50, 60, 60] }));
    a.sync.edit((items) => items.delete('mine'));
    a.sync.undo.undo(); // the erase is undone: the item comes back as a new value under the same key
    a.sync.edit((items) => items.set('after', stroke('alice', 2)));
    await settle(a, b);
    expect(errors(host)).toEqual([]);
    expect(b.sync.items.get('mine')?.points).toEqual([50, 50, 60, 60]);
    expect([...b.sync.items.keys()].sort()).toEqual(['after', 'mine']);
    expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));
  });

  it('compacts the log into a stored snapshot, and a board survives losing Redis entirely', async () => {
    const a = await open(host);
    for (let i = 0; i < COMPACT_AFTER.entries + 5; i += 1) {
      a.sync.edit((items) => items.set(`s${i}`, stroke('alice', i)));
      a.sync.flush();
      await a.pump();
    }
    expect(h.whiteboards.saves).toBeGreaterThan(0);
    expect(await h.redis.llen(roomKeys(roomId).whiteboardLog(MAIN_BOARD))).toBeLessThan(COMPACT_AFTER.entries);

    // A restart of the local cloud loses the in-process Redis: what was compacted comes from PostgreSQL, and what
    // was not comes back from the pages still holding it (their answer to the server's step 1).
    await h.redis.flushall();
    const b = await open(bob);
    expect(b.sync.items.size).toBeGreaterThanOrEqual(COMPACT_AFTER.entries);
    a.sync.connected();
    await settle(a, b);
    expect(b.sync.items.size).toBe(COMPACT_AFTER.entries + 5);
  });

  it('compacts every board with a live log on demand (the local cloud does it on stop), and then forgets it', async () => {
    const a = await open(host);
    a.sync.edit((items) => items.set('one', stroke('alice', 1)));
    await settle(a);
    expect(h.whiteboards.saves).toBe(0);
    expect(await compactAllWhiteboards(h.deps)).toBe(1);
    expect(await h.redis.llen(roomKeys(roomId).whiteboardLog(MAIN_BOARD))).toBe(0);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, h.whiteboards.boards.get(roomId)!.snapshot);
    expect([...doc.getMap('items').keys()]).toEqual(['one']);
    expect(await compactAllWhiteboards(h.deps)).toBe(0);
  });

  it('compacts after a while even when the log stays short', async () => {
    const a = await open(host);
    a.sync.edit((items) => items.set('one', stroke('alice', 1)));
    await settle(a);
    expect(h.whiteboards.saves).toBe(0);
    h.advance(COMPACT_AFTER.ms + 1);
    a.sync.edit((items) => items.set('two', stroke('alice', 2)));
    await settle(a);
    expect(h.whiteboards.saves).toBe(1);
    const snapshot = h.whiteboards.boards.get(roomId)!.snapshot;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot);
    expect([...doc.getMap('items').keys()].sort()).toEqual(['one', 'two']);
  });

  it('carries a message larger than one frame in parts, both ways', async () => {
    const a = await open(host);
    const b = await open(bob);
    a.sync.edit((items) => {
      for (let i = 0; i < 20; i += 1) items.set(`big${i}`, stroke('alice', i, 400));
    });
    a.sync.flush();
    const frames = a.out.length;
    expect(frames).toBeGreaterThan(1);
    for (const f of a.out) expect(JSON.stringify(f).length).toBeLessThan(10 * 1024);
    await settle(a, b);
    expect(b.sync.items.size).toBe(20);
    expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));
  });

  describe('after a refusal the page syncs again and converges with the server', () => {
    it('sends a rate-limited stroke again once the limit allows it', async () => {
      h = createHarness({ whiteboard: { max: 3, windowSeconds: 60 } });
      roomId = await h.createRoom();
      host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
      bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
      const a = await open(host);
      const b = await open(bob);
      b.sync.edit((items) => items.set('one', stroke('bob', 1)));
      await settle(b);
      b.sync.edit((items) => items.set('two', stroke('bob', 2)));
      await settle(b);
      expect(errors(bob)).toEqual(['rate_limited']);
      await settle(a);
      expect([...a.sync.items.keys()]).toEqual(['one']);

      // The next window: the resync's handshake draws the refused stroke out of Bob's page.
      const later = Date.now() + 61_000;
      const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
      try {
        await resynced(a, b);
      } finally {
        clock.mockRestore();
      }
      expect(b.sync.resyncs).toBeGreaterThanOrEqual(1);
      expect([...a.sync.items.keys()].sort()).toEqual(['one', 'two']);
      expect(canonicalBoard(a.sync.items)).toBe(canonicalBoard(b.sync.items));
    });

    it('drops a stroke drawn as the board became view-only, and then stays quiet', async () => {
      const a = await open(host);
      const b = await open(bob);
      a.sync.edit((items) => items.set('a1', stroke('alice', 1)));
      b.sync.edit((items) => items.set('b1', stroke('bob', 1)));
      b.sync.edit((items) => items.delete('b1'));
      b.sync.edit((items) => items.set('b2', stroke('bob', 2)));
      await settle(a, b);
      await h.send(host, { type: 'wb.lock', locked: true });
      h.clear();
      // Bob's page had not heard of the lock yet.
      b.sync.edit((items) => items.set('late', stroke('bob', 3)));
      await settle(b);
      expect(errors(bob)).toEqual(['board_locked']);
      await resynced(a, b);
      expect(b.sync.resyncs).toBe(1);
      expect([...b.sync.items.keys()].sort()).toEqual(['a1', 'b2']);
      expect(canonicalBoard(b.sync.items)).toBe(canonicalBoard(a.sync.items));
      // Its handshake (whose answer carries Bob's old erasure) is no drawing: nothing refused, no further resync.
      expect(errors(bob)).toEqual(['board_locked']);
      await resynced(a, b);
      expect(b.sync.resyncs).toBe(1);
    });
  });

  describe('refusals', () => {
    it('refuses what is not a board item, and relays and stores nothing of it', async () => {
      await open(host);
      const b = await open(bob);
      h.clear();
      const rogue = new Y.Doc();
      rogue.getText('items').insert(0, 'not an item');
      await h.send(bob, { type: 'wb.sync', message: toBase64(syncUpdate(Y.encodeStateAsUpdate(rogue))) });
      const bad = new Y.Doc();
      bad.getMap('items').set('x', { kind: 'pen', colour: 'red' });
      await h.send(bob, { type: 'wb.sync', message: toBase64(syncUpdate(Y.encodeStateAsUpdate(bad))) });
      await h.send(bob, { type: 'wb.sync', message: toBase64(new Uint8Array([2, 5, 1, 2, 3, 4, 5])) });
      expect(errors(bob)).toEqual(['invalid_update', 'invalid_update', 'invalid_update']);
      expect(h.of(host, 'wb.sync')).toEqual([]);
      expect(await h.redis.llen(roomKeys(roomId).whiteboardLog(MAIN_BOARD))).toBe(0);
      expect(b.sync.items.size).toBe(0);
    });

    it('says when the board is full, and still takes erasures', async () => {
      const b = await open(bob);
      b.sync.edit((items) => items.set('keep', stroke('bob', 1)));
      await settle(b);
      await h.redis.hset(roomKeys(roomId).whiteboardMeta(MAIN_BOARD), 'bytes', WHITEBOARD_LIMITS.boardBytes);
      h.clear();
      b.sync.edit((items) => items.set('more', stroke('bob', 2)));
      await settle(b);
      expect(h.last(bob, 'error')).toMatchObject({ code: 'board_full' });
      expect(h.last(bob, 'error')!.message).toMatch(/full.*clear/);
      expect(h.of(host, 'wb.sync')).toEqual([]);
      b.sync.edit((items) => items.delete('keep'));
      await settle(b);
      expect(h.of(host, 'wb.sync')).toHaveLength(1);
    });

    it('lets only hosts clear or lock the board, and refuses members’ drawing while it is locked', async () => {
      const a = await open(host);
      const b = await open(bob);
      b.sync.edit((items) => items.set('b1', stroke('bob', 1)));
      await settle(a, b);
      h.clear();
      await h.send(bob, { type: 'wb.clear' });
      await h.send(bob, { type: 'wb.lock', locked: true });
      expect(errors(bob)).toEqual(['not_allowed', 'not_allowed']);
      expect(a.sync.items.size).toBe(1);

      await h.send(host, { type: 'wb.lock', locked: true });
      expect(h.last(bob, 'wb.status')).toMatchObject({ locked: true, by: 'Hosta' });
      h.clear();
      b.sync.edit((items) => items.set('b2', stroke('bob', 2)));
      await settle(b);
      expect(errors(bob)).toEqual(['board_locked']);
      expect(h.of(host, 'wb.sync')).toEqual([]);
      a.sync.edit((items) => items.set('a1', stroke('alice', 1)));
      await settle(a);
      expect(h.of(bob, 'wb.sync').length).toBeGreaterThan(0);
      expect(h.whiteboards.boards.get(roomId)?.locked).toBe(true);

      await h.send(host, { type: 'wb.clear' });
      await settle(a, b);
      expect(a.sync.items.size).toBe(0);
      expect(h.last(bob, 'wb.cleared')).toEqual({ type: 'wb.cleared', board: MAIN_BOARD, by: 'Hosta' });
    });

    it('relays cursors with the server’s name for the sender, to the others only', async () => {
      await h.send(bob, { type: 'wb.cursor', at: { x: 10, y: -20 } });
      expect(h.of(host, 'wb.cursor')).toEqual([
        { type: 'wb.cursor', peerId: bob.peerId, name: 'Bob', at: { x: 10, y: -20 } },
      ]);
      expect(h.of(bob, 'wb.cursor')).toEqual([]);
    });

    it('counts whiteboard frames apart from other messages, and refuses a frame that lies about which it is', async () => {
      await h.sendRaw(bob, JSON.stringify({ ref: 'x', type: 'wb.cursor', at: null }));
      expect(h.last(bob, 'error')).toMatchObject({ code: 'invalid_message' });
      expect(h.of(host, 'wb.cursor')).toEqual([]);
    });

    it('closes a socket that floods whiteboard frames', async () => {
      h = createHarness({ whiteboardMessage: { max: 5, windowSeconds: 60 } });
      roomId = await h.createRoom();
      const dan = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      for (let i = 0; i < 7; i += 1) await h.send(dan, { type: 'wb.cursor', at: { x: i, y: i } });
      expect(h.closed.has(dan.connectionId)).toBe(true);
      // Other messages have their own budget.
      expect(errors(dan)).toEqual(['rate_limited']);
    });
  });
});
