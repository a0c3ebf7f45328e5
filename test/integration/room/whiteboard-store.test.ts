import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import {
  PARTS_PER_READ,
  SNAPSHOT_PART_BYTES,
  SqlWhiteboardStore,
  splitSnapshot,
} from '../../../functions/room/whiteboard/board-store';
import { MAIN_BOARD, WHITEBOARD_LIMITS } from '../../../functions/shared/protocol/whiteboard';
import { DATA_API_LIMITS } from '../../../functions/shared/sql/data-api-limits';
import type { Sql } from '../../../functions/shared/sql/sql';
import { availableBackends, migrationStatements, startIdentityDb, type IdentityDb } from '../auth/identity-db';
import { startRoomDb } from './room-world';

/*
 * The whiteboard's stored snapshot through the real SDK and the local Data API, which refuses what Aurora's refuses
 * (a row over 64 KB, a result over 1 MiB, a request over 4 MB). A board of 4 MB, the most a board may hold, is
 * written and read back whole; before migration 0011 the snapshot was one bytea row, refused past ~48 KB.
 */
const MIGRATIONS = join(__dirname, '../../../functions/migrate/migrations');
const ROOM = 'abcd-efgh-jkmn-pqrs';
const main = { roomId: ROOM, board: MAIN_BOARD };

async function addRoom(sql: Sql) {
  await sql.execute(
    `INSERT INTO rooms (id, name, created_by, max_participants) VALUES (:id, 'Board', 'someone', 10)
     ON CONFLICT DO NOTHING`,
    { id: ROOM },
  );
}

const partsOf = (sql: Sql) =>
  sql.query<{ generation: number; n: number }>(
    'SELECT generation, count(*)::int AS n FROM room_whiteboard_parts WHERE room_id = :room GROUP BY generation',
    { room: ROOM },
  );

jest.setTimeout(120_000);

describe.each(availableBackends())('the whiteboard store through the Data API on %s', (kind) => {
  let db: IdentityDb;
  let store: SqlWhiteboardStore;

  beforeAll(async () => {
    db = await startRoomDb(kind);
    await addRoom(db.sql);
    store = new SqlWhiteboardStore(() => db.sql);
  });
  afterAll(() => db.stop());

  it('writes and reads back a board of the largest size a board may have, in parts and pages inside the limits', async () => {
    const snapshot = new Uint8Array(randomBytes(WHITEBOARD_LIMITS.boardBytes));
    await store.save(main, { snapshot, locked: true }, Date.now());
    const back = await store.get(main);
    expect(back?.locked).toBe(true);
    expect(Buffer.compare(Buffer.from(back!.snapshot), Buffer.from(snapshot))).toBe(0);
    expect(await partsOf(db.sql)).toEqual([
      { generation: expect.any(Number), n: WHITEBOARD_LIMITS.boardBytes / SNAPSHOT_PART_BYTES },
    ]);
  });

  it('replaces the snapshot with the next one and keeps only its parts; the lock alone leaves the parts', async () => {
    const doc = new Y.Doc();
    doc.getMap('items').set('a', { kind: 'text', text: 'hello' });
    const small = Y.encodeStateAsUpdate(doc);
    await store.save(main, { snapshot: small, locked: false }, Date.now());
    await store.setLocked(main, true, Date.now());
    const back = await store.get(main);
    expect(back).toEqual({ snapshot: small, locked: true });
    expect((await partsOf(db.sql)).map((g) => g.n)).toEqual([1]);
  });

  it('lists a room’s boards without their snapshots, and reads a board locked before anyone drew as empty', async () => {
    const breakout = { roomId: ROOM, board: '0000000001-x/b2' as const };
    await store.setLocked(breakout, true, Date.now());
    expect((await store.list(ROOM)).map(({ board, locked }) => ({ board, locked }))).toEqual([
      { board: MAIN_BOARD, locked: true },
      { board: breakout.board, locked: true },
    ]);
    expect(await store.get(breakout)).toEqual({ snapshot: new Uint8Array([0, 0]), locked: true });
  });

  it('reads the new board again when a compaction replaces it between two pages of a read', async () => {
    const first = new Uint8Array(randomBytes(SNAPSHOT_PART_BYTES * (PARTS_PER_READ + 3)));
    const second = new Uint8Array(randomBytes(SNAPSHOT_PART_BYTES * 2 + 5));
    await store.save(main, { snapshot: first, locked: false }, Date.now());
    let pages = 0;
    const racing: Sql = {
      ...db.sql,
      query: async (sql, params) => {
        if (sql.includes('room_whiteboard_parts') && (pages += 1) === 2) {
          await store.save(main, { snapshot: second, locked: false }, Date.now());
        }
        return db.sql.query(sql, params);
      },
    };
    const back = await new SqlWhiteboardStore(() => racing).get(main);
    expect(Buffer.compare(Buffer.from(back!.snapshot), Buffer.from(second))).toBe(0);
  });
});

describe.each(availableBackends())('migration 0011 on %s', (kind) => {
  it('moves a snapshot stored whole before it into parts the store reads back', async () => {
    const db = await startIdentityDb(kind);
    try {
      for (const file of ['0002_rooms', '0005_polls', '0007_whiteboards', '0010_breakout_whiteboards']) {
        for (const statement of migrationStatements(join(MIGRATIONS, `${file}.sql`))) await db.sql.execute(statement);
      }
      await addRoom(db.sql);
      const legacy = new Uint8Array(randomBytes(SNAPSHOT_PART_BYTES * 3 + 100));
      await db.sql.execute(
        `INSERT INTO room_whiteboards (room_id, board, snapshot, locked, updated_at) VALUES (:room, 'main', :s, true, now())`,
        { room: ROOM, s: legacy },
      );
      for (const statement of migrationStatements(join(MIGRATIONS, '0011_whiteboard_parts.sql'))) {
        await db.sql.execute(statement);
      }
      const back = await new SqlWhiteboardStore(() => db.sql).get(main);
      expect(back?.locked).toBe(true);
      expect(Buffer.compare(Buffer.from(back!.snapshot), Buffer.from(legacy))).toBe(0);
    } finally {
      await db.stop();
    }
  });
});

describe('the sizes the store uses', () => {
  it('keeps a part inside a Data API row, a page inside a result set, and matches migration 0011', () => {
    const base64WithBreaks = Math.ceil(SNAPSHOT_PART_BYTES / 3) * 4 * (77 / 76);
    expect(base64WithBreaks + 64).toBeLessThan(DATA_API_LIMITS.rowBytes);
    expect(PARTS_PER_READ * DATA_API_LIMITS.rowBytes).toBeLessThanOrEqual(DATA_API_LIMITS.resultSetBytes);
    const sql = readFileSync(join(MIGRATIONS, '0011_whiteboard_parts.sql'), 'utf8');
    for (const n of sql.match(/\b3276[78]\b/g)!)
      expect([SNAPSHOT_PART_BYTES, SNAPSHOT_PART_BYTES - 1]).toContain(Number(n));
    expect(splitSnapshot(new Uint8Array(SNAPSHOT_PART_BYTES * 2 + 1)).map((p) => p.length)).toEqual([
      SNAPSHOT_PART_BYTES,
      SNAPSHOT_PART_BYTES,
      1,
    ]);
  });
});
