/**
 * `GET /api/meetings/{id}/whiteboard`: the boards a meeting kept (the main room's and each breakout room's), for the
 * people who were in it (its host and participants, as PostgreSQL remembers them), during or after the meeting. A
 * room one was never in answers exactly like one that does not exist (404), so ids cannot be probed.
 *
 * Items are decoded here from the Yjs snapshots (plus a live log not yet compacted) and sent as JSON: the page draws
 * them without Yjs, and for boards like these JSON is the smaller (docs/benchmarks.md: 1.7 MB against 4.1 MB).
 */
import * as Y from 'yjs';
import * as z from 'zod';
import type { Route } from '../../api/router';
import { verifyAccessToken, type AccessClaims } from '../../auth/tickets';
import { BadRequest, NotFound } from '../../shared/errors';
import { LAMBDA_PAYLOAD_LIMITS } from '../../shared/lambda-limits';
import { bearerToken, json } from '../../shared/http';
import { roomIdSchema } from '../../shared/protocol/room';
import {
  MAIN_BOARD,
  WHITEBOARD_ITEMS,
  boardIdSchema,
  type BoardId,
  whiteboardItemIdSchema,
  whiteboardItemSchema,
  type MeetingWhiteboard,
  type WhiteboardItem,
} from '../../shared/protocol/whiteboard';
import { SqlRoomStore, type RoomStore } from '../room-store';
import { RedisWhiteboardLive } from './board-live';
import { withBoardDocument, type BoardDeps } from './board-compaction';
import { SqlWhiteboardStore } from './board-store';

export interface BoardArchiveDeps extends BoardDeps {
  verifyAccessToken(token: string): Promise<AccessClaims>;
  store: Pick<RoomStore, 'getRoom' | 'getRole' | 'isRemoved'>;
}

const NOT_YOURS = 'No such meeting of yours';

/**
 * A board's items in drawing order (the board as a document: withBoardDocument); anything that is not a board item
 * is left out (the server stored only those).
 */
export function boardItems(board: Y.Doc): [string, WhiteboardItem][] {
  const items: [string, WhiteboardItem][] = [];
  board.getMap(WHITEBOARD_ITEMS).forEach((value, id) => {
    const item = whiteboardItemSchema.safeParse(value);
    if (item.success && whiteboardItemIdSchema.safeParse(id).success) items.push([id, item.data]);
  });
  return items.sort(([ia, a], [ib, b]) => a.order - b.order || (ia < ib ? -1 : ia > ib ? 1 : 0));
}

/** `?board=<id>&from=<n>`: the rest of one board, from its n-th item; undefined without them; 400 when malformed. */
function restOfBoard(
  query: Record<string, string | undefined> | undefined,
): { board: BoardId; from: number } | undefined {
  if (query?.board === undefined && query?.from === undefined) return undefined;
  const parsed = z
    .object({ board: boardIdSchema, from: z.coerce.number().int().nonnegative().max(1_000_000) })
    .safeParse(query);
  if (!parsed.success)
    throw new BadRequest('Give board=<board id>&from=<item index> together', undefined, 'bad-board-page');
  return parsed.data;
}

/**
 * What one answer may still carry: Lambda refuses a response over 6 MB (LAMBDA_PAYLOAD_LIMITS), and the body is a
 * JSON string inside the JSON Lambda returns, so each item is counted as it is written there (quotes escaped). The
 * margin is for the envelope, headers and each board's other fields.
 */
class AnswerBudget {
  private left = LAMBDA_PAYLOAD_LIMITS.syncBytes - 64 * 1024;

  /**
   * Items from `from` on, as many as fit (none once the answer is full: the board then comes with `nextItem`). An
   * item is at most a few tens of KB, so an answer for one board always moves on.
   */
  take(all: [string, WhiteboardItem][], from: number): [string, WhiteboardItem][] {
    let end = from;
    while (end < all.length) {
      const bytes = Buffer.byteLength(JSON.stringify(JSON.stringify(all[end]))) - 1;
      if (bytes > this.left) break;
      this.left -= bytes;
      end += 1;
    }
    return all.slice(from, end);
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
        const rest = restOfBoard(event.queryStringParameters);
        const stored = await d.whiteboardStore.list(roomId.data);
        const saved = new Map(stored.map((b) => [b.board, new Date(b.updatedAt).toISOString()]));
        // A page is only of a board the listing shows: the main room's, or one the meeting has stored.
        if (rest && rest.board !== MAIN_BOARD && !saved.has(rest.board)) {
          throw new NotFound('No such board in this meeting', 'board-not-found');
        }
        const names = rest ? [rest.board] : [MAIN_BOARD, ...stored.map((b) => b.board).filter((b) => b !== MAIN_BOARD)];
        const boards: MeetingWhiteboard['boards'] = [];
        const answer = new AnswerBudget();
        for (const board of names) {
          // The live log too: during the meeting (or before a compaction) the snapshot alone lags behind.
          const all = await withBoardDocument(d, { roomId: roomId.data, board }, boardItems);
          if (all.length === 0 && !saved.has(board) && !rest) continue;
          const from = rest?.from ?? 0;
          const items = answer.take(all, from);
          const nextItem = from + items.length < all.length ? from + items.length : null;
          boards.push({ board, items, savedAt: saved.get(board) ?? null, nextItem });
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
