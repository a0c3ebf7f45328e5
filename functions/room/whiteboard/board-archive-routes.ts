/**
 * `GET /api/meetings/{id}/whiteboard`: the boards a meeting kept (the main room's and each breakout room's), for the
 * people who were in it (its host and participants, as PostgreSQL remembers them), during or after the meeting. A
 * room one was never in answers exactly like one that does not exist (404), so ids cannot be probed.
 *
 * Items are decoded here from the Yjs snapshots (plus a live log not yet compacted) and sent as JSON: the page draws
 * them without Yjs, and for boards like these JSON is the smaller (docs/benchmarks.md: 1.7 MB against 4.1 MB).
 */
import * as Y from 'yjs';
import type { Route } from '../../api/router';
import { verifyAccessToken, type AccessClaims } from '../../auth/tickets';
import { NotFound } from '../../shared/errors';
import { bearerToken, json } from '../../shared/http';
import { roomIdSchema } from '../../shared/protocol/room';
import {
  MAIN_BOARD,
  WHITEBOARD_ITEMS,
  whiteboardItemIdSchema,
  whiteboardItemSchema,
  type MeetingWhiteboard,
  type WhiteboardItem,
} from '../../shared/protocol/whiteboard';
import { SqlRoomStore, type RoomStore } from '../room-store';
import { RedisWhiteboardLive } from './board-live';
import { boardState, type BoardDeps } from './board-compaction';
import { SqlWhiteboardStore } from './board-store';
import { isEmptyUpdate } from './sync-adapter';

export interface BoardArchiveDeps extends BoardDeps {
  verifyAccessToken(token: string): Promise<AccessClaims>;
  store: Pick<RoomStore, 'getRoom' | 'getRole' | 'isRemoved'>;
}

const NOT_YOURS = 'No such meeting of yours';

/** A board's items in drawing order; anything that is not a board item is left out (the server stored only those). */
export function boardItems(state: Uint8Array): [string, WhiteboardItem][] {
  if (isEmptyUpdate(state)) return [];
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    const items: [string, WhiteboardItem][] = [];
    doc.getMap(WHITEBOARD_ITEMS).forEach((value, id) => {
      const item = whiteboardItemSchema.safeParse(value);
      if (item.success && whiteboardItemIdSchema.safeParse(id).success) items.push([id, item.data]);
    });
    return items.sort(([ia, a], [ib, b]) => a.order - b.order || (ia < ib ? -1 : ia > ib ? 1 : 0));
  } finally {
    doc.destroy();
  }
}

export function createBoardArchiveRoutes(deps: () => BoardArchiveDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/meetings/{id}/whiteboard',
      async handle({ event, params }) {
        const d = deps();
        const { sub } = await d.verifyAccessToken(bearerToken(event));
        const roomId = roomIdSchema.safeParse(params.id);
        if (!roomId.success) throw new NotFound(NOT_YOURS, 'meeting-not-found');
        const [room, role, removed] = await Promise.all([
          d.store.getRoom(roomId.data),
          d.store.getRole(roomId.data, sub),
          d.store.isRemoved(roomId.data, sub),
        ]);
        // Someone a host removed from the meeting was in it, but is not to keep seeing it.
        if (!room || !role || removed) throw new NotFound(NOT_YOURS, 'meeting-not-found');
        const stored = await d.whiteboardStore.list(roomId.data);
        const saved = new Map(stored.map((b) => [b.board, new Date(b.updatedAt).toISOString()]));
        const names = [MAIN_BOARD, ...stored.map((b) => b.board).filter((b) => b !== MAIN_BOARD)];
        const boards: MeetingWhiteboard['boards'] = [];
        for (const board of names) {
          // The live log too: during the meeting (or before a compaction) the snapshot alone lags behind.
          const items = boardItems(await boardState(d, { roomId: roomId.data, board }));
          if (items.length > 0 || saved.has(board)) boards.push({ board, items, savedAt: saved.get(board) ?? null });
        }
        const body: MeetingWhiteboard = { roomId: roomId.data, name: room.name, ended: room.ended, boards };
        return json(200, body);
      },
    },
  ];
}

export const boardArchiveRoutes: Route[] = createBoardArchiveRoutes(() => ({
  verifyAccessToken,
  store: new SqlRoomStore(),
  whiteboardLive: new RedisWhiteboardLive(),
  whiteboardStore: new SqlWhiteboardStore(),
  now: Date.now,
}));
