import { getSql, type Sql } from '../../shared/sql/sql';

export interface StoredBoard {
  snapshot: Uint8Array;
  locked: boolean;
}

/** The durable record of each room's whiteboard (PostgreSQL via the Data API): its latest snapshot and lock. */
export interface WhiteboardStore {
  get(roomId: string): Promise<StoredBoard | undefined>;
  save(roomId: string, board: StoredBoard, at: number): Promise<void>;
  setLocked(roomId: string, locked: boolean, at: number): Promise<void>;
}

export class SqlWhiteboardStore implements WhiteboardStore {
  constructor(private readonly sql: () => Sql = getSql) {}

  async get(roomId: string): Promise<StoredBoard | undefined> {
    // As base64 text: the Data API's JSON records have no binary type (PostgreSQL breaks the text every 76
    // characters, which the decoder skips).
    const [row] = await this.sql().query<{ snapshot: string; locked: boolean }>(
      `SELECT encode(snapshot, 'base64') AS snapshot, locked FROM room_whiteboards WHERE room_id = :roomId`,
      { roomId },
    );
    if (!row) return undefined;
    return { snapshot: new Uint8Array(Buffer.from(row.snapshot, 'base64')), locked: row.locked };
  }

  async save(roomId: string, board: StoredBoard, at: number): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_whiteboards (room_id, snapshot, locked, updated_at) VALUES (:roomId, :snapshot, :locked, :at)
       ON CONFLICT (room_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, locked = EXCLUDED.locked,
         updated_at = EXCLUDED.updated_at`,
      { roomId, snapshot: board.snapshot, locked: board.locked, at: new Date(at) },
    );
  }

  async setLocked(roomId: string, locked: boolean, at: number): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_whiteboards (room_id, snapshot, locked, updated_at) VALUES (:roomId, :empty, :locked, :at)
       ON CONFLICT (room_id) DO UPDATE SET locked = EXCLUDED.locked, updated_at = EXCLUDED.updated_at`,
      // Yjs's empty update: a board locked before anyone drew on it.
      { roomId, empty: new Uint8Array([0, 0]), locked, at: new Date(at) },
    );
  }
}
