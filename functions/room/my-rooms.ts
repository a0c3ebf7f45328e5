import type { Route, RouteRequest } from '../api/router';
import { verifyAccessToken, type AccessClaims } from '../auth/tickets';
import { requireEnv } from '../shared/env';
import { NotFound } from '../shared/errors';
import { bearerToken, json, readJson } from '../shared/http';
import { updateMyRoomSchema, type MyRoom } from '../shared/protocol/my-rooms';
import { roomIdSchema } from '../shared/protocol/room';
import { getSql, type Sql } from '../shared/sql/sql';
import { hashPassword } from './password';

interface RoomRow {
  id: string;
  name: string;
  lobby: boolean;
  locked: boolean;
  has_password: boolean;
  ended: boolean;
  created_at: string;
}

interface RecordingRow {
  id: string;
  room_id: string;
  title: string;
  status: string;
  duration_seconds: number | null;
  created_at: string;
}

// Both engines (PostgreSQL, PGlite) print the same ISO text, whatever the adapter does with timestamp types.
const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
// The current host: hosting can be handed over in a meeting, and the room then is the new host's to manage.
const HOSTED_BY = `EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = rooms.id AND m.sub = :sub AND m.role = 'host')`;

/** The rooms a user hosts, read and changed only through that user's id (every query names it). */
export class MyRoomsStore {
  constructor(private readonly sql: Sql) {}

  async list(sub: string): Promise<Omit<MyRoom, 'url'>[]> {
    const rooms = await this.sql.query<RoomRow>(
      `SELECT id, name, lobby, locked, password_hash IS NOT NULL AS has_password, ended_at IS NOT NULL AS ended,
              ${iso('created_at')} AS created_at
       FROM rooms WHERE ${HOSTED_BY} ORDER BY created_at DESC LIMIT 200`,
      { sub },
    );
    // Only the user's own recordings: someone else's recording of the same meeting is theirs to list.
    const recordings = await this.sql.query<RecordingRow>(
      `SELECT id, room_id, title, status, duration_seconds, ${iso("created_at AT TIME ZONE 'utc'")} AS created_at
       FROM recordings WHERE owner_id = :sub AND room_id IS NOT NULL ORDER BY created_at DESC LIMIT 1000`,
      { sub },
    );
    return rooms.map((r) => ({
      id: r.id,
      name: r.name,
      lobby: r.lobby,
      hasPassword: r.has_password,
      locked: r.locked,
      ended: r.ended,
      createdAt: r.created_at,
      recordings: recordings
        .filter((rec) => rec.room_id === r.id)
        .map((rec) => ({
          id: rec.id,
          title: rec.title,
          status: rec.status,
          durationSeconds: rec.duration_seconds === null ? null : Number(rec.duration_seconds),
          createdAt: rec.created_at,
        })),
    }));
  }

  async hosts(sub: string, roomId: string): Promise<boolean> {
    const [row] = await this.sql.query<{ id: string }>(`SELECT id FROM rooms WHERE id = :roomId AND ${HOSTED_BY}`, {
      sub,
      roomId,
    });
    return row !== undefined;
  }

  /** Applies a settings change to a room the user hosts; false when there is no such room of theirs. */
  async update(
    sub: string,
    roomId: string,
    change: { lobby?: boolean; passwordHash?: string | null; reopen?: boolean },
  ): Promise<boolean> {
    const [row] = await this.sql.query<{ id: string }>(
      `UPDATE rooms SET
         lobby = CASE WHEN :setLobby THEN :lobby ELSE lobby END,
         password_hash = CASE WHEN :setPassword THEN :passwordHash ELSE password_hash END,
         ended_at = CASE WHEN :reopen THEN NULL ELSE ended_at END
       WHERE id = :roomId AND ${HOSTED_BY} RETURNING id`,
      {
        sub,
        roomId,
        setLobby: change.lobby !== undefined,
        lobby: change.lobby ?? false,
        setPassword: change.passwordHash !== undefined,
        passwordHash: change.passwordHash ?? null,
        reopen: change.reopen === true,
      },
    );
    return row !== undefined;
  }
}

export interface MyRoomsDeps {
  sql(): Sql;
  verifyAccessToken(token: string): Promise<AccessClaims>;
  publicUrl(): string;
}

const NOT_YOURS = 'No such room of yours';

/**
 * GET /api/my/rooms and PATCH /api/my/rooms/{id}. A room someone else hosts answers exactly like one that does not
 * exist (404), so ids cannot be probed for other people's rooms.
 */
export function createMyRoomsRoutes(deps: MyRoomsDeps): Route[] {
  const store = () => new MyRoomsStore(deps.sql());
  const link = (id: string) => `${deps.publicUrl().replace(/\/+$/, '')}/r/${id}`;

  async function list({ event }: RouteRequest) {
    const { sub } = await deps.verifyAccessToken(bearerToken(event));
    const rooms = await store().list(sub);
    return json(200, { rooms: rooms.map((r) => ({ ...r, url: link(r.id) })) });
  }

  async function update({ event, params }: RouteRequest) {
    const { sub } = await deps.verifyAccessToken(bearerToken(event));
    const roomId = roomIdSchema.safeParse(params.id);
    if (!roomId.success) throw new NotFound(NOT_YOURS, 'room-not-found');
    const body = readJson(event, updateMyRoomSchema);
    // Checked before hashing: a stranger's request costs no scrypt (the UPDATE below checks again).
    if (!(await store().hosts(sub, roomId.data))) throw new NotFound(NOT_YOURS, 'room-not-found');
    const passwordHash =
      body.password === undefined ? undefined : body.password === null ? null : await hashPassword(body.password);
    const changed = await store().update(sub, roomId.data, { lobby: body.lobby, passwordHash, reopen: body.reopen });
    if (!changed) throw new NotFound(NOT_YOURS, 'room-not-found');
    const room = (await store().list(sub)).find((r) => r.id === roomId.data)!;
    return json(200, { ...room, url: link(room.id) });
  }

  return [
    { method: 'GET', path: '/api/my/rooms', handle: list },
    { method: 'PATCH', path: '/api/my/rooms/{id}', handle: update },
  ];
}

export const myRoomsRoutes: Route[] = createMyRoomsRoutes({
  sql: getSql,
  verifyAccessToken,
  publicUrl: () => requireEnv('PUBLIC_URL'),
});
