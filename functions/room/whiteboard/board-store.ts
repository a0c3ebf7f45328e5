import { randomInt } from 'node:crypto';
import type { BoardId } from '../../shared/protocol/whiteboard';
import { DATA_API_LIMITS } from '../../shared/sql/data-api-limits';
import { getSql, type Sql, type SqlParams } from '../../shared/sql/sql';
import type { BoardRef } from './board-ref';
import { EMPTY_UPDATE } from './sync-adapter';

export interface StoredBoard {
  snapshot: Uint8Array;
  locked: boolean;
}

/**
 * The durable record of each board (PostgreSQL via the Data API): its latest snapshot and lock, one row per room and
 * board (migration 0010: the main room's and each breakout room's), the snapshot in parts (migration 0011).
 */
export interface WhiteboardStore {
  get(ref: BoardRef): Promise<StoredBoard | undefined>;
  save(ref: BoardRef, board: StoredBoard, at: number): Promise<void>;
  setLocked(ref: BoardRef, locked: boolean, at: number): Promise<void>;
  /**
   * Every board the room has kept, the main room's first, then breakout rooms' in the order they were opened; without
   * their snapshots (all of a meeting's boards would not fit one Data API response): `get` reads each.
   */
  list(roomId: string): Promise<StoredBoardSummary[]>;
}

export interface StoredBoardSummary {
  board: BoardId;
  locked: boolean;
  updatedAt: number;
}

/**
 * A snapshot is kept in parts of at most this many bytes (migration 0011 checks the same number): as base64 with
 * PostgreSQL's line breaks a part is ~44 KB, inside the Data API's 64 KB row.
 */
export const SNAPSHOT_PART_BYTES = 32 * 1024;
/** Parts read per call: whole rows of up to 64 KB stay inside the Data API's 1 MiB result set. */
export const PARTS_PER_READ = Math.floor(DATA_API_LIMITS.resultSetBytes / DATA_API_LIMITS.rowBytes) - 1;
/** Parts written per statement: their base64 (4/3) stays well inside the Data API's 4 MB request body. */
export const PARTS_PER_WRITE = Math.floor(DATA_API_LIMITS.requestBodyBytes / 2 / ((SNAPSHOT_PART_BYTES * 4) / 3));
/** A reader that meets a compaction between its pages reads the board again, this many times at most. */
const READ_ATTEMPTS = 3;

/** Thrown when a board kept changing while it was read (three compactions in a row): the caller may retry. */
export class BoardChangedWhileReading extends Error {
  constructor(ref: BoardRef) {
    super(`The whiteboard ${ref.roomId}/${ref.board} changed while it was read ${READ_ATTEMPTS} times`);
    this.name = 'BoardChangedWhileReading';
  }
}

export function splitSnapshot(snapshot: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < snapshot.length; at += SNAPSHOT_PART_BYTES) {
    parts.push(snapshot.subarray(at, at + SNAPSHOT_PART_BYTES));
  }
  return parts;
}

/**
 * Through the Data API, whose limits (functions/shared/sql/data-api-limits.ts) a board of up to 6 MB passes many
 * times over: the snapshot is written as a new generation of parts in one transaction (parts, then the board's row
 * naming the generation, then the removal of the older one), and read as the row, then its generation's parts a page
 * at a time. A compaction that commits between two pages removes the generation being read; the reader sees a part
 * missing and starts again from the row.
 */
export class SqlWhiteboardStore implements WhiteboardStore {
  constructor(private readonly sql: () => Sql = getSql) {}

  async get(ref: BoardRef): Promise<StoredBoard | undefined> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt += 1) {
      const [row] = await this.sql().query<{ generation: number; parts: number; locked: boolean }>(
        `SELECT generation, parts, locked FROM room_whiteboards WHERE room_id = :roomId AND board = :board`,
        { roomId: ref.roomId, board: ref.board },
      );
      if (!row) return undefined;
      const snapshot = await this.readParts(ref, row.generation, row.parts);
      if (snapshot) return { snapshot, locked: row.locked };
    }
    throw new BoardChangedWhileReading(ref);
  }

  /** The generation's parts in order, or undefined when one is missing (a compaction replaced the generation). */
  private async readParts(ref: BoardRef, generation: number, count: number): Promise<Uint8Array | undefined> {
    if (count === 0) return EMPTY_UPDATE.slice();
    const chunks: Buffer[] = [];
    for (let from = 0; from < count; from += PARTS_PER_READ) {
      const to = Math.min(count, from + PARTS_PER_READ);
      const rows = await this.sql().query<{ part: number; bytes: string }>(
        `SELECT part, encode(bytes, 'base64') AS bytes FROM room_whiteboard_parts
         WHERE room_id = :roomId AND board = :board AND generation = :generation AND part >= :from AND part < :to
         ORDER BY part`,
        { roomId: ref.roomId, board: ref.board, generation, from, to },
      );
      if (rows.length !== to - from) return undefined;
      rows.forEach((r, i) => {
        if (r.part !== from + i) throw new Error(`whiteboard part ${from + i} out of order`);
        // As base64 text: the Data API's JSON records have no binary type (PostgreSQL breaks the text every 76
        // characters, which the decoder skips).
        chunks.push(Buffer.from(r.bytes, 'base64'));
      });
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  async save(ref: BoardRef, board: StoredBoard, at: number): Promise<void> {
    const parts = splitSnapshot(board.snapshot);
    const generation = randomInt(1, 2 ** 47);
    await this.sql().transaction(async (tx) => {
      // The row first: its lock queues a second save of the same board behind this one.
      await tx.execute(
        `INSERT INTO room_whiteboards (room_id, board, locked, updated_at, generation, parts)
         VALUES (:roomId, :board, :locked, :at, :generation, :parts)
         ON CONFLICT (room_id, board) DO UPDATE SET locked = EXCLUDED.locked, updated_at = EXCLUDED.updated_at,
           generation = EXCLUDED.generation, parts = EXCLUDED.parts, snapshot = NULL`,
        { ...ref, locked: board.locked, at: new Date(at), generation, parts: parts.length },
      );
      for (let from = 0; from < parts.length; from += PARTS_PER_WRITE) {
        const batch = parts.slice(from, from + PARTS_PER_WRITE);
        const params: SqlParams = { ...ref, generation };
        const values = batch.map((bytes, i) => {
          params[`p${i}`] = bytes;
          return `(:roomId, :board, :generation, ${from + i}, :p${i})`;
        });
        await tx.execute(
          `INSERT INTO room_whiteboard_parts (room_id, board, generation, part, bytes) VALUES ${values.join(', ')}`,
          params,
        );
      }
      await tx.execute(
        `DELETE FROM room_whiteboard_parts WHERE room_id = :roomId AND board = :board AND generation <> :generation`,
        { ...ref, generation },
      );
    });
  }

  async setLocked(ref: BoardRef, locked: boolean, at: number): Promise<void> {
    // A board locked before anyone drew on it has no parts: it reads as Yjs's empty update.
    await this.sql().execute(
      `INSERT INTO room_whiteboards (room_id, board, locked, updated_at, generation, parts)
       VALUES (:roomId, :board, :locked, :at, 0, 0)
       ON CONFLICT (room_id, board) DO UPDATE SET locked = EXCLUDED.locked, updated_at = EXCLUDED.updated_at`,
      { roomId: ref.roomId, board: ref.board, locked, at: new Date(at) },
    );
  }

  async list(roomId: string): Promise<StoredBoardSummary[]> {
    // Breakout boards are named `<opening>/bN` and an opening's id starts with its time (base 36, fixed width for
    // centuries): ordering by the name lists openings in time order; rooms within one by their number.
    const rows = await this.sql().query<{ board: BoardId; locked: boolean; updated_at: string }>(
      `SELECT board, locked, to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
       FROM room_whiteboards WHERE room_id = :roomId
       ORDER BY board <> 'main', split_part(board, '/', 1), length(board), board`,
      { roomId },
    );
    return rows.map((r) => ({ board: r.board, locked: r.locked, updatedAt: Date.parse(r.updated_at) }));
  }
}
