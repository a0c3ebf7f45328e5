import type { BoardId } from '../../shared/protocol/whiteboard';
import { getSql, type Sql } from '../../shared/sql/sql';
import type { BoardRef } from './board-ref';

export interface StoredBoard {
  snapshot: Uint8Array;
  locked: boolean;
}

/**
 * The durable record of each board (PostgreSQL via the Data API): its latest snapshot and lock, one row per room and
 * board (migration 0010: the main room's and each breakout room's).
 */
export interface WhiteboardStore {
  get(ref: BoardRef): Promise<StoredBoard | undefined>;
  save(ref: BoardRef, board: StoredBoard, at: number): Promise<void>;
  setLocked(ref: BoardRef, locked: boolean, at: number): Promise<void>;
  /** Every board the room has kept, the main room's first, then breakout rooms' in the order they were opened. */
  list(roomId: string): Promise<(StoredBoard & { board: BoardId; updatedAt: number })[]>;
}

// As base64 text: the Data API's JSON records have no binary type (PostgreSQL breaks the text every 76 characters,
// which the decoder skips).
const fromText = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export class SqlWhiteboardStore implements WhiteboardStore {
  constructor(private readonly sql: () => Sql = getSql) {}

  async get(ref: BoardRef): Promise<StoredBoard | undefined> {
    const [row] = await this.sql().query<{ snapshot: string; locked: boolean }>(
      `SELECT encode(snapshot, 'base64') AS snapshot, locked FROM room_whiteboards
       WHERE room_id = :roomId AND board = :board`,
      { roomId: ref.roomId, board: ref.board },
    );
    if (!row) return undefined;
    return { snapshot: fromText(row.snapshot), locked: row.locked };
  }

  async save(ref: BoardRef, board: StoredBoard, at: number): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_whiteboards (room_id, board, snapshot, locked, updated_at)
       VALUES (:roomId, :board, :snapshot, :locked, :at)
       ON CONFLICT (room_id, board) DO UPDATE SET snapshot = EXCLUDED.snapshot, locked = EXCLUDED.locked,
         updated_at = EXCLUDED.updated_at`,
      { roomId: ref.roomId, board: ref.board, snapshot: board.snapshot, locked: board.locked, at: new Date(at) },
    );
  }

  async setLocked(ref: BoardRef, locked: boolean, at: number): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_whiteboards (room_id, board, snapshot, locked, updated_at)
       VALUES (:roomId, :board, :empty, :locked, :at)
       ON CONFLICT (room_id, board) DO UPDATE SET locked = EXCLUDED.locked, updated_at = EXCLUDED.updated_at`,
      // Yjs's empty update: a board locked before anyone drew on it.
      { roomId: ref.roomId, board: ref.board, empty: new Uint8Array([0, 0]), locked, at: new Date(at) },
    );
  }

  async list(roomId: string): Promise<(StoredBoard & { board: BoardId; updatedAt: number })[]> {
    // Breakout boards are named `<opening>/bN` and an opening's id starts with its time (base 36, fixed width for
    // centuries): ordering by the name lists openings in time order; rooms within one by their number.
    const rows = await this.sql().query<{ board: BoardId; snapshot: string; locked: boolean; updated_at: string }>(
      `SELECT board, encode(snapshot, 'base64') AS snapshot, locked,
              to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
       FROM room_whiteboards WHERE room_id = :roomId
       ORDER BY board <> 'main', split_part(board, '/', 1), length(board), board`,
      { roomId },
    );
    return rows.map((r) => ({
      board: r.board,
      snapshot: fromText(r.snapshot),
      locked: r.locked,
      updatedAt: Date.parse(r.updated_at),
    }));
  }
}
