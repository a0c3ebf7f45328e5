import type { Role } from '../shared/protocol/room';
import { getSql, type Sql } from '../shared/sql/sql';

/** A room's durable settings, as the domain sees them. */
export interface RoomRecord {
  id: string;
  name: string;
  createdBy: string;
  passwordHash: string | null;
  lobby: boolean;
  locked: boolean;
  maxParticipants: number;
  ended: boolean;
}

export interface NewRoom {
  id: string;
  name: string;
  passwordHash: string | null;
  lobby: boolean;
  maxParticipants: number;
}

export interface Identity {
  sub: string;
  name: string;
}

export interface ArchivedChat {
  id: string;
  roomId: string;
  senderSub: string;
  senderPeerId: string;
  senderName: string;
  text: string;
  sentAt: Date;
}

/** The durable side of rooms (PostgreSQL through the Data API). */
export interface RoomStore {
  /** Creates the room with `host` as its host, atomically. */
  createRoom(room: NewRoom, host: Identity): Promise<void>;
  getRoom(roomId: string): Promise<RoomRecord | undefined>;
  setLocked(roomId: string, locked: boolean): Promise<void>;
  endRoom(roomId: string): Promise<void>;
  getRole(roomId: string, sub: string): Promise<Role | undefined>;
  /** Adds a member; an existing member keeps their role. */
  addMember(roomId: string, who: Identity, role: Role): Promise<void>;
  setRole(roomId: string, sub: string, role: Exclude<Role, 'host'>): Promise<void>;
  /** Moves the host role from `from` (who becomes a member) to `to`, atomically. */
  transferHost(roomId: string, from: string, to: Identity): Promise<void>;
  isRemoved(roomId: string, sub: string): Promise<boolean>;
  recordRemoval(roomId: string, sub: string, removedBy: string, reason: string): Promise<void>;
  archiveChat(message: ArchivedChat): Promise<void>;
  /** The archive, oldest first (for exports and tests; late joiners read Redis). */
  chatArchive(roomId: string, limit: number): Promise<ArchivedChat[]>;
  /** The account's profile picture key (users.avatar_key), read when it joins a room; null when it has none. */
  avatarKeyOf(sub: string): Promise<string | null>;
}

interface RoomRow {
  id: string;
  name: string;
  created_by: string;
  password_hash: string | null;
  lobby: boolean;
  locked: boolean;
  max_participants: number;
  ended: boolean;
}

export class SqlRoomStore implements RoomStore {
  constructor(private readonly sql: () => Sql = getSql) {}

  async createRoom(room: NewRoom, host: Identity): Promise<void> {
    await this.sql().transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO rooms (id, name, created_by, password_hash, lobby, max_participants)
         VALUES (:id, :name, :createdBy, :passwordHash, :lobby, :maxParticipants)`,
        { ...room, createdBy: host.sub },
      );
      await tx.execute(`INSERT INTO room_members (room_id, sub, name, role) VALUES (:roomId, :sub, :name, 'host')`, {
        roomId: room.id,
        sub: host.sub,
        name: host.name,
      });
    });
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    const [row] = await this.sql().query<RoomRow>(
      `SELECT id, name, created_by, password_hash, lobby, locked, max_participants, ended_at IS NOT NULL AS ended
       FROM rooms WHERE id = :roomId`,
      { roomId },
    );
    if (!row) return undefined;
    return {
      id: row.id,
      name: row.name,
      createdBy: row.created_by,
      passwordHash: row.password_hash ?? null,
      lobby: row.lobby,
      locked: row.locked,
      maxParticipants: Number(row.max_participants),
      ended: row.ended,
    };
  }

  async setLocked(roomId: string, locked: boolean): Promise<void> {
    await this.sql().execute(`UPDATE rooms SET locked = :locked WHERE id = :roomId`, { roomId, locked });
  }

  async endRoom(roomId: string): Promise<void> {
    await this.sql().execute(
      `UPDATE rooms SET ended_at = (now() AT TIME ZONE 'utc') WHERE id = :roomId AND ended_at IS NULL`,
      { roomId },
    );
  }

  async getRole(roomId: string, sub: string): Promise<Role | undefined> {
    const [row] = await this.sql().query<{ role: Role }>(
      `SELECT role FROM room_members WHERE room_id = :roomId AND sub = :sub`,
      { roomId, sub },
    );
    return row?.role;
  }

  async addMember(roomId: string, who: Identity, role: Role): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_members (room_id, sub, name, role) VALUES (:roomId, :sub, :name, :role)
       ON CONFLICT (room_id, sub) DO NOTHING`,
      { roomId, sub: who.sub, name: who.name, role },
    );
  }

  async setRole(roomId: string, sub: string, role: Exclude<Role, 'host'>): Promise<void> {
    await this.sql().execute(
      `UPDATE room_members SET role = :role WHERE room_id = :roomId AND sub = :sub AND role <> 'host'`,
      { roomId, sub, role },
    );
  }

  async transferHost(roomId: string, from: string, to: Identity): Promise<void> {
    await this.sql().transaction(async (tx) => {
      await tx.execute(
        `UPDATE room_members SET role = 'member' WHERE room_id = :roomId AND sub = :from AND role = 'host'`,
        { roomId, from },
      );
      await tx.execute(
        `INSERT INTO room_members (room_id, sub, name, role) VALUES (:roomId, :sub, :name, 'host')
         ON CONFLICT (room_id, sub) DO UPDATE SET role = 'host'`,
        { roomId, sub: to.sub, name: to.name },
      );
    });
  }

  async isRemoved(roomId: string, sub: string): Promise<boolean> {
    const rows = await this.sql().query(
      `SELECT 1 AS removed FROM room_removals WHERE room_id = :roomId AND sub = :sub`,
      {
        roomId,
        sub,
      },
    );
    return rows.length > 0;
  }

  async recordRemoval(roomId: string, sub: string, removedBy: string, reason: string): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_removals (room_id, sub, removed_by, reason) VALUES (:roomId, :sub, :removedBy, :reason)
       ON CONFLICT (room_id, sub) DO NOTHING`,
      { roomId, sub, removedBy, reason },
    );
  }

  async archiveChat(message: ArchivedChat): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_chat_messages (id, room_id, sender_sub, sender_peer_id, sender_name, body, sent_at)
       VALUES (:id, :roomId, :senderSub, :senderPeerId, :senderName, :text, :sentAt)`,
      { ...message },
    );
  }

  async chatArchive(roomId: string, limit: number): Promise<ArchivedChat[]> {
    const rows = await this.sql().query<{
      id: string;
      room_id: string;
      sender_sub: string;
      sender_peer_id: string;
      sender_name: string;
      body: string;
      sent_at: string;
    }>(
      `SELECT id, room_id, sender_sub, sender_peer_id, sender_name, body, sent_at FROM room_chat_messages
       WHERE room_id = :roomId ORDER BY sent_at, id LIMIT :limit`,
      { roomId, limit },
    );
    return rows.map((r) => ({
      id: r.id,
      roomId: r.room_id,
      senderSub: r.sender_sub,
      senderPeerId: r.sender_peer_id,
      senderName: r.sender_name,
      text: r.body,
      // The Data API's JSON records give timestamps as 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC.
      sentAt: new Date(`${String(r.sent_at).replace(' ', 'T')}Z`),
    }));
  }

  async avatarKeyOf(sub: string): Promise<string | null> {
    const [row] = await this.sql().query<{ avatar_key: string | null }>(
      'SELECT avatar_key FROM users WHERE id = :sub',
      { sub },
    );
    return row?.avatar_key ?? null;
  }
}
