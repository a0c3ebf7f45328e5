/**
 * Breakout rooms on the room socket: what hosts, cohosts and participants send, and the state the server sends back.
 * Imported by room.ts into its unions; like room.ts, zod only (the browser bundle imports it too).
 *
 * Where each person is (main room or one breakout room) is room state on the server: signaling relays media only
 * between people in the same place, and the roster, chat and reactions each person receives are those of their place.
 */
import * as z from 'zod';

/** The same numbers are shown in the host's panel. */
export const BREAKOUT_LIMITS = {
  minRooms: 2,
  maxRooms: 20,
  roomName: 40,
  minDurationSeconds: 60,
  maxDurationSeconds: 4 * 3600,
  broadcastText: 500,
  /** Everyone is warned this long before the timer ends. */
  warningSeconds: 60,
  /** When the timer ends, rooms close after this countdown (everyone sees it). */
  returnCountdownSeconds: 10,
  /** Upper bound for the people listed in breakout state; rooms are capped far lower by ROOM_MAX_PARTICIPANTS. */
  people: 100,
} as const;

// eslint-disable-next-line no-control-regex
const LINE_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const TEXT_CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const peerIdLike = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/, 'invalid peer id');

/** Server-chosen room ids: `b1` … `b20`, the room's place in the list the host opened. */
export const breakoutRoomIdSchema = z.string().regex(/^b(?:[1-9]|1[0-9]|20)$/, 'invalid breakout room id');
export type BreakoutRoomId = z.infer<typeof breakoutRoomIdSchema>;

/** Server-chosen, one per opening, so a late timer claim for an earlier opening changes nothing. */
export const breakoutIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[0-9a-z-]+$/, 'invalid breakout id');

export const breakoutRoomNameSchema = z
  .string()
  .trim()
  .min(1, 'room name must not be empty')
  .max(BREAKOUT_LIMITS.roomName, `room name must be at most ${BREAKOUT_LIMITS.roomName} characters`)
  .refine((s) => !LINE_CONTROL_CHARS.test(s), 'room name must not contain control characters or line breaks');

export const breakoutModeSchema = z.enum(['auto', 'manual', 'choose']);
export type BreakoutMode = z.infer<typeof breakoutModeSchema>;

export const breakoutOpenShape = {
  /** One name per room, 2–20 rooms. */
  rooms: z
    .array(breakoutRoomNameSchema)
    .min(BREAKOUT_LIMITS.minRooms, `open at least ${BREAKOUT_LIMITS.minRooms} rooms`)
    .max(BREAKOUT_LIMITS.maxRooms, `open at most ${BREAKOUT_LIMITS.maxRooms} rooms`),
  /** auto: the server splits members evenly; manual: `assignments` (others stay in the main room); choose: people pick. */
  mode: breakoutModeSchema,
  /** Manual mode: who goes where (room index into `rooms`). */
  assignments: z
    .array(
      z.strictObject({
        peerId: peerIdLike,
        room: z
          .number()
          .int()
          .min(0)
          .max(BREAKOUT_LIMITS.maxRooms - 1),
      }),
    )
    .max(BREAKOUT_LIMITS.people)
    .optional(),
  durationSeconds: z
    .number()
    .int()
    .min(BREAKOUT_LIMITS.minDurationSeconds, `a timer is at least ${BREAKOUT_LIMITS.minDurationSeconds} seconds`)
    .max(BREAKOUT_LIMITS.maxDurationSeconds, `a timer is at most ${BREAKOUT_LIMITS.maxDurationSeconds} seconds`)
    .optional(),
};

/** Host or cohost: put someone (themselves too) in a room, or back in the main room (`room: null`). */
export const breakoutAssignShape = { peerId: peerIdLike, room: breakoutRoomIdSchema.nullable() };

/** Anyone, in "choose" mode (hosts and cohosts at any time: a visit): go to a room, or back to the main room. */
export const breakoutJoinShape = { room: breakoutRoomIdSchema.nullable() };

export const breakoutIdShape = { breakoutId: breakoutIdSchema };

export const breakoutBroadcastShape = {
  text: z
    .string()
    .max(BREAKOUT_LIMITS.broadcastText, `a broadcast is at most ${BREAKOUT_LIMITS.broadcastText} characters`)
    .refine((s) => s.trim().length > 0, 'a broadcast must not be empty')
    .refine((s) => !TEXT_CONTROL_CHARS.test(s), 'a broadcast must not contain control characters'),
};

export const breakoutRoomSchema = z.object({
  id: breakoutRoomIdSchema,
  name: z.string().max(BREAKOUT_LIMITS.roomName),
});
export type BreakoutRoom = z.infer<typeof breakoutRoomSchema>;

export const breakoutPersonSchema = z.object({
  peerId: peerIdLike,
  name: z.string().max(64),
  /** null: in the main room. */
  room: breakoutRoomIdSchema.nullable(),
});
export type BreakoutPerson = z.infer<typeof breakoutPersonSchema>;

export const helpRequestSchema = z.object({
  peerId: peerIdLike,
  name: z.string().max(64),
  room: breakoutRoomIdSchema,
  /** Epoch milliseconds. */
  at: z.number().int().nonnegative(),
});
export type HelpRequest = z.infer<typeof helpRequestSchema>;

/** Open breakout rooms as one recipient sees them. */
export const breakoutViewSchema = z.object({
  id: breakoutIdSchema,
  mode: breakoutModeSchema,
  rooms: z.array(breakoutRoomSchema).min(BREAKOUT_LIMITS.minRooms).max(BREAKOUT_LIMITS.maxRooms),
  /** Everyone present and where they are. */
  people: z.array(breakoutPersonSchema).max(BREAKOUT_LIMITS.people),
  /** Epoch milliseconds when the timer ends (then the return countdown runs); null without a timer. */
  endsAt: z.number().int().nonnegative().nullable(),
  /** Open requests for help; filled only for hosts and cohosts. */
  help: z.array(helpRequestSchema).max(BREAKOUT_LIMITS.people),
});
export type BreakoutView = z.infer<typeof breakoutViewSchema>;

export const breakoutMoveReasonSchema = z.enum(['opened', 'assigned', 'chose', 'closed', 'timer']);
export type BreakoutMoveReason = z.infer<typeof breakoutMoveReasonSchema>;

/** (`breakout.moved`, which carries chat, is defined in room.ts next to the chat schema.) */
export const breakoutServerMessages = [
  /** To everyone after any change: the open breakout rooms, or null once they closed. */
  z.object({ type: z.literal('breakout.state'), breakouts: breakoutViewSchema.nullable() }),
  /** To everyone in every room: a host's message. */
  z.object({
    type: z.literal('breakout.broadcast'),
    by: z.string().max(64),
    text: z.string().max(BREAKOUT_LIMITS.broadcastText),
  }),
  /** To hosts and cohosts: someone asked for help. */
  z.object({ type: z.literal('breakout.help'), request: helpRequestSchema, roomName: z.string().max(64) }),
] as const;
