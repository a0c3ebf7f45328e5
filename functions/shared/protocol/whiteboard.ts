/**
 * The shared whiteboard on the room socket: the client messages, what the server sends back, the shape of one board
 * item, and the limits both sides enforce. Imported by room.ts into its unions; zod only (the browser imports it).
 *
 * The board is a Yjs document (a CRDT, so strokes drawn at the same moment all survive). `wb.sync` frames carry
 * y-protocols sync messages (step 1: a state vector, step 2 / update: a Yjs update), base64-encoded because the room
 * socket speaks JSON. A message larger than one frame travels in numbered parts (`chunk`), reassembled by the
 * receiver (functions/shared/whiteboard-chunks.ts).
 */
import * as z from 'zod';

export const WHITEBOARD_LIMITS = {
  /**
   * Binary bytes in one client frame's part: base64 makes 8 KB of it, under the room socket's 10 KB frame cap
   * (LIMITS.clientMessageBytes), which itself sits under API Gateway's 32 KB frame.
   */
  clientPartBytes: 6 * 1024,
  /** Binary bytes in one server message's part: ≈ 86 KB of base64, under API Gateway's 128 KB message limit. */
  serverPartBytes: 64 * 1024,
  /** One whole sync message after reassembly (an offline page's catch-up can be large; more is refused). */
  messageBytes: 512 * 1024,
  /**
   * The board's stored size (snapshot plus live log): past it, new items are refused with `board_full`. It bounds
   * what every compaction rewrites (~0.3 s of CPU for a full board, `npm run bench:whiteboard-storage`). 6 MB holds
   * ~13 000 hand-drawn 24-point pen strokes (the page snaps their numbers to grids Yjs stores in 4 bytes:
   * board-geometry.ts); before that snapping, 4 MB held ~6 000.
   */
  boardBytes: 6 * 1024 * 1024,
  /** Coordinates (x, y pairs) in one item: a long pen stroke is thinned by the page before it is sent. */
  itemCoordinates: 4000,
  text: 500,
  /** World coordinates are bounded so a renderer never meets Infinity or a board a billion pixels wide. */
  worldExtent: 1_000_000,
} as const;

/**
 * The `ref` of every sync frame a page sends starts with this, so the page can tell a refusal of its board updates
 * (answered with the frame's ref) from any other error, and sync the board again (board-sync.ts).
 */
export const WHITEBOARD_REF_PREFIX = 'wb-';

/**
 * After a refused update the page asks for the board again (sync step 1) after `firstMs`, doubling with each further
 * refusal up to `maxMs`; a page refused nothing for `quietMs` starts again at `firstMs`.
 */
export const WHITEBOARD_RESYNC = { firstMs: 500, maxMs: 30_000, quietMs: 60_000 } as const;

/**
 * Which board: each place has its own, so a breakout room's drawings reach only that room and are kept apart.
 * `main` is the main room's; a breakout room's is `<opening>/<room>` (breakouts.ts: the opening's id, then `b1`…`b20`).
 */
export const MAIN_BOARD = 'main';
export const boardIdSchema = z.union([
  z.literal(MAIN_BOARD),
  z.string().regex(/^[0-9a-z-]{8,64}\/b(?:[1-9]|1[0-9]|20)$/, 'invalid board id'),
]);
export type BoardId = z.infer<typeof boardIdSchema>;

/** The board of one breakout room during one opening. */
export const breakoutBoardId = (opening: string, room: string): BoardId => `${opening}/${room}`;

export const WHITEBOARD_TOOLS = ['pen', 'highlighter', 'line', 'arrow', 'rect', 'ellipse', 'text'] as const;
export type WhiteboardTool = (typeof WHITEBOARD_TOOLS)[number];

/** base64 as btoa writes it; the length bound keeps the regex's work bounded too. */
const base64 = (maxBinaryBytes: number) =>
  z
    .string()
    .min(1)
    .max(Math.ceil(maxBinaryBytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

const coordinate = z.number().finite().min(-WHITEBOARD_LIMITS.worldExtent).max(WHITEBOARD_LIMITS.worldExtent);

/**
 * One item on the board, stored as a plain value under its id in the document's `items` map (a move replaces the
 * value, an erase deletes the key). Everything is in world units, never screen pixels, so the same board looks the
 * same in every window at every zoom.
 */
export const whiteboardItemSchema = z.strictObject({
  kind: z.enum(WHITEBOARD_TOOLS),
  /** The drawing page's stable owner id: lets a person select, move and undo their own items. */
  owner: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9_-]+$/),
  colour: z.string().regex(/^#[0-9a-f]{6}$/, 'colour must be #rrggbb'),
  width: z.number().finite().min(0.5).max(128),
  /** x, y pairs: a pen's path, a shape's two corners (or a line's two ends), a text's anchor. */
  points: z
    .array(coordinate)
    .min(2)
    .max(WHITEBOARD_LIMITS.itemCoordinates)
    .refine((p) => p.length % 2 === 0, 'points are x, y pairs'),
  /** Pen strokes: relative pressure per point (0–1), from the pointer or simulated from speed. */
  pressure: z
    .array(z.number().min(0).max(1))
    .max(WHITEBOARD_LIMITS.itemCoordinates / 2)
    .optional(),
  text: z.string().max(WHITEBOARD_LIMITS.text).optional(),
  /** Drawing order: creation time (ms), ties broken by item id, so every page stacks items alike. */
  order: z.number().finite(),
});
export type WhiteboardItem = z.infer<typeof whiteboardItemSchema>;

/** Item ids: the document's map keys. */
export const whiteboardItemIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'invalid item id');

/** The name of the one shared map in the document. */
export const WHITEBOARD_ITEMS = 'items';

/** A multi-part message: `index` of `count` parts, all with the same sender-chosen `id`. */
export const chunkSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{1,16}$/),
  index: z.number().int().min(0),
  count: z
    .number()
    .int()
    .min(2)
    .max(Math.ceil(WHITEBOARD_LIMITS.messageBytes / WHITEBOARD_LIMITS.clientPartBytes)),
});
export type Chunk = z.infer<typeof chunkSchema>;

const worldPoint = z.strictObject({ x: coordinate, y: coordinate });

export const whiteboardClientShapes = {
  /** A y-protocols sync message (or one part of it). */
  sync: {
    message: base64(WHITEBOARD_LIMITS.clientPartBytes),
    chunk: chunkSchema.optional(),
    /**
     * The board the page drew on. The server refuses a frame for any board but the sender's place's own (a page
     * moved to a breakout room must not carry a stroke for the main room into it); absent: the sender's.
     */
    board: boardIdSchema.optional(),
  },
  /** Host and cohosts: delete every item for everyone. */
  clear: {},
  /** Host and cohosts: `true` makes the board view-only for members. */
  lock: { locked: z.boolean() },
  /** Where the sender's pointer is on the board (world units), or null when it left; relayed, never stored. */
  cursor: { at: worldPoint.nullable() },
};

export const whiteboardServerMessages = [
  /** A y-protocols sync message (or part), from the board: the state for a joiner, or someone's update. */
  z.object({
    type: z.literal('wb.sync'),
    /** Lets a page that just moved to another place drop what was sent for the board it left. */
    board: boardIdSchema,
    message: base64(WHITEBOARD_LIMITS.serverPartBytes),
    chunk: chunkSchema
      .extend({
        count: z
          .number()
          .int()
          .min(2)
          .max(Math.ceil(WHITEBOARD_LIMITS.boardBytes / 1024)),
      })
      .optional(),
  }),
  /** The board's settings and fill: on sync, after a lock change (with `by`), after a clear. */
  z.object({
    type: z.literal('wb.status'),
    board: boardIdSchema,
    locked: z.boolean(),
    bytes: z.number().int().nonnegative(),
    maxBytes: z.number().int().positive(),
    by: z.string().max(64).optional(),
  }),
  /** To everyone: a host cleared the board (the deletions themselves arrive as a `wb.sync` update). */
  z.object({ type: z.literal('wb.cleared'), board: boardIdSchema, by: z.string().max(64) }),
  /** Someone's pointer on the board; the name is the server's, never the sender's word. */
  z.object({
    type: z.literal('wb.cursor'),
    peerId: z.string().max(64),
    name: z.string().max(64),
    at: worldPoint.nullable(),
  }),
] as const;

/** The page that shows a meeting's boards after (or during) it, read-only with PNG and SVG export. */
export const meetingWhiteboardPagePath = (roomId: string) => `/meetings/${encodeURIComponent(roomId)}/whiteboard`;
export const MEETING_WHITEBOARD_PAGE = /^\/meetings\/([^/]+)\/whiteboard\/?$/;
/**
 * Its data, for the meeting's host and participants only. An answer stays under Lambda's 6 MB response: boards that do
 * not fit come with `nextItem`, and `?board=<id>&from=<nextItem>` gives the rest of one board, as much as fits.
 */
export const meetingWhiteboardApiPath = (roomId: string, rest?: { board: BoardId; from: number }) =>
  `/api/meetings/${encodeURIComponent(roomId)}/whiteboard` +
  (rest ? `?board=${encodeURIComponent(rest.board)}&from=${rest.from}` : '');

/** `GET /api/meetings/{id}/whiteboard`: every board the meeting kept, its items in drawing order. */
export const meetingWhiteboardSchema = z.object({
  roomId: z.string(),
  name: z.string(),
  ended: z.boolean(),
  boards: z.array(
    z.object({
      board: boardIdSchema,
      /** Item id and item, in drawing order (the order every page draws them in). */
      items: z.array(z.tuple([whiteboardItemIdSchema, whiteboardItemSchema])),
      /** When the stored snapshot was last written (ISO), or null for a board only in the live log so far. */
      savedAt: z.string().nullable(),
      /**
       * Null when `items` ends the board; otherwise the index (in drawing order) of its first item not in this answer,
       * to ask for with `?board=&from=` (the answer would have passed Lambda's response limit).
       */
      nextItem: z.number().int().nonnegative().nullable(),
    }),
  ),
});
export type MeetingWhiteboard = z.infer<typeof meetingWhiteboardSchema>;
