/**
 * The room socket protocol: every message between the browser and the RoomSocket Lambda, both directions.
 *
 * One module, imported by the browser bundle (esbuild) and by the Lambdas, so both sides validate against the same
 * schema. Keep it free of Node and AWS imports: zod only.
 *
 * Types are lower case (`join`, `chat.send`, ...) so API Gateway's route selection (`$request.body.type`) sends them
 * to `$default`; PeerJS's own messages are UPPER CASE and go to their own routes.
 *
 * Inbound (client → server) objects are strict: an unknown field is an error, not silently dropped, so a client
 * that believes it is setting something the server ignores finds out at once.
 */
import * as z from 'zod';
import { pollCreateShape, pollIdShape, pollServerMessages, pollViewSchema, pollVoteShape } from './polls';
import { RecordingExportMessage, RecordingStatusMessage } from './recordings';
import { reactionEmojiSchema } from './reactions';
import {
  breakoutAssignShape,
  breakoutBroadcastShape,
  breakoutIdShape,
  breakoutJoinShape,
  breakoutMoveReasonSchema,
  breakoutOpenShape,
  breakoutRoomSchema,
  breakoutServerMessages,
  breakoutViewSchema,
} from './breakouts';
import { whiteboardClientShapes, whiteboardServerMessages } from './whiteboard';
import { avatarUrlSchema } from './avatars';

/** Limits users meet; the same numbers are shown in the UI. */
export const LIMITS = {
  displayName: 40,
  chatText: 2000,
  chatHistory: 50,
  removeReason: 200,
  ref: 64,
  /**
   * Bytes of one inbound frame. 2000 chat characters are at most 8000 UTF-8 bytes, plus the envelope. API Gateway
   * itself allows 32 KB frames, so the cap must be ours.
   */
  clientMessageBytes: 10 * 1024,
  /** Upper bound for lists in server messages; rooms are capped far lower by ROOM_MAX_PARTICIPANTS. */
  roster: 100,
  lobby: 100,
  /**
   * A host whose connection dropped (reload, network blip, API Gateway's 2-hour cut) stays host this long; only
   * then does the room choose a new one. Pages wait it out before asking (`grace.expired`).
   */
  hostGraceSeconds: 120,
} as const;

// Unicode C0/C1 controls except TAB and LF. PostgreSQL `text` cannot hold NUL (the archive insert would fail after
// the message was already delivered) and the others only serve to spoof or corrupt what other users see.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const NAME_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** A display name: 1–40 characters after trimming, one line, stored and relayed verbatim (never markup). */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(LIMITS.displayName, `name must be at most ${LIMITS.displayName} characters`)
  .refine((s) => !NAME_CONTROL_CHARS.test(s), 'name must not contain control characters or line breaks');

/** Chat text: 1–2000 characters, plain text (line breaks allowed), stored and relayed verbatim. */
export const chatTextSchema = z
  .string()
  .max(LIMITS.chatText, `chat message must be at most ${LIMITS.chatText} characters`)
  .refine((s) => s.trim().length > 0, 'chat message must not be empty')
  .refine((s) => !CONTROL_CHARS.test(s), 'chat message must not contain control characters');

/** Same pattern the PeerJS client enforces for ids (it destroys the peer on anything else). */
export const peerIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/, 'invalid peer id');

/** Room ids: 16 symbols of lower-case Crockford base32 (80 random bits) in groups of four, e.g. `k3xd-9vqe-7rbn-m2ta`. */
export const ROOM_ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const roomIdSchema = z.string().regex(/^[0-9a-hjkmnp-tv-z]{4}(?:-[0-9a-hjkmnp-tv-z]{4}){3}$/, 'invalid room id');

export const roleSchema = z.enum(['host', 'cohost', 'member']);
export type Role = z.infer<typeof roleSchema>;
/** Ticket roles: a lobby ticket lets its holder knock and nothing else. */
export const ticketRoleSchema = z.enum(['host', 'cohost', 'member', 'lobby']);
export type TicketRole = z.infer<typeof ticketRoleSchema>;

/** Correlates an `error` with the message that caused it; chosen by the client, echoed verbatim. */
const refSchema = z.string().min(1).max(LIMITS.ref).optional();

export const mediaStateSchema = z.object({
  mic: z.boolean(),
  cam: z.boolean(),
  screen: z.boolean(),
  speaking: z.boolean(),
  handRaised: z.boolean(),
});
export type MediaState = z.infer<typeof mediaStateSchema>;
export const INITIAL_MEDIA_STATE: MediaState = {
  mic: false,
  cam: false,
  screen: false,
  speaking: false,
  handRaised: false,
};

export const participantSchema = mediaStateSchema.extend({
  peerId: peerIdSchema,
  name: z.string().max(LIMITS.displayName),
  role: roleSchema,
  /**
   * Signed in with an account (true) or a guest (false). Anyone can pick any name, so the roster shows this next
   * to it: a guest named like the host still reads as a guest, not as the account holder.
   */
  verified: z.boolean(),
  /**
   * The account's profile picture (read from its user row at join), shown on the tile while the camera is off, in
   * the participants list and beside chat messages. Only ever a path this deployment serves (/avatars/…).
   */
  avatarUrl: avatarUrlSchema.optional(),
  /** Epoch milliseconds; the longest-present member becomes host when the host leaves without a cohost. */
  joinedAt: z.number().int().nonnegative(),
  /** Epoch milliseconds when the hand went up (set by the server), so lists show raised hands in that order. */
  handRaisedAt: z.number().int().nonnegative().optional(),
});
export type Participant = z.infer<typeof participantSchema>;

export const roomSettingsSchema = z.object({
  id: roomIdSchema,
  name: z.string().max(80),
  locked: z.boolean(),
  lobby: z.boolean(),
  needsPassword: z.boolean(),
  maxParticipants: z.number().int().positive(),
});
export type RoomSettings = z.infer<typeof roomSettingsSchema>;

export const chatMessageSchema = z.object({
  id: z.string().min(1).max(64),
  peerId: peerIdSchema,
  name: z.string().max(LIMITS.displayName),
  text: z.string().max(LIMITS.chatText),
  /** ISO 8601, set by the server. */
  sentAt: z.string(),
  /** The sender's `ref` from `chat.send`, so the sender can match its own message. */
  ref: z.string().max(LIMITS.ref).optional(),
  /** Posted by the room itself (a closed poll's results), not typed by a person. */
  system: z.boolean().optional(),
  /** The sender's profile picture when the message was sent (their roster entry's). */
  avatarUrl: avatarUrlSchema.optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const lobbyEntrySchema = z.object({
  peerId: peerIdSchema,
  name: z.string().max(LIMITS.displayName),
  /** As for participants: lets a host tell the account holder from a guest using the same name before admitting. */
  verified: z.boolean(),
  /** Epoch milliseconds. */
  knockedAt: z.number().int().nonnegative(),
});
export type LobbyEntry = z.infer<typeof lobbyEntrySchema>;

/** Someone is recording the meeting: room state held by the server (Redis), shown on every page. */
export const recordingNoticeSchema = z.object({
  /** The recorder's display name. */
  by: z.string().max(LIMITS.displayName),
  peerId: peerIdSchema,
  /** Epoch milliseconds. */
  since: z.number().int().nonnegative(),
});
export type RecordingNotice = z.infer<typeof recordingNoticeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------------------------------------------

const clientMessage = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), ref: refSchema, ...shape });

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Enter the room after the socket opened with a member/host ticket; answered with `welcome`. */
  clientMessage('join', { state: mediaStateSchema.partial().strict().optional() }),
  /** Leave deliberately (closing the socket does the same). */
  clientMessage('leave', {}),
  /** Set (never toggle) one or more of the sender's own media flags. */
  clientMessage('state', {
    mic: z.boolean().optional(),
    cam: z.boolean().optional(),
    screen: z.boolean().optional(),
    speaking: z.boolean().optional(),
    handRaised: z.boolean().optional(),
  }),
  clientMessage('chat.send', { text: chatTextSchema }),
  /** From a lobby ticket: ask to be let in; answered with `lobby.waiting`, later `lobby.admitted`/`lobby.denied`. */
  clientMessage('knock', {}),
  // Host and cohost actions. The server checks the sender's current role for each one.
  clientMessage('lobby.admit', { peerId: peerIdSchema }),
  clientMessage('lobby.deny', { peerId: peerIdSchema }),
  /** Host only: make (`cohost: true`) or unmake a cohost. */
  clientMessage('host.cohost', { peerId: peerIdSchema, cohost: z.boolean() }),
  clientMessage('host.lock', { locked: z.boolean() }),
  clientMessage('host.remove', {
    peerId: peerIdSchema,
    reason: z.string().trim().max(LIMITS.removeReason).optional(),
  }),
  /** Turns every other participant's mic off (sets, never toggles). */
  clientMessage('host.muteAll', {}),
  /** Asks one participant to unmute; only they can turn their mic on. */
  clientMessage('host.askUnmute', { peerId: peerIdSchema }),
  /** Host only: ends the meeting for everyone. */
  clientMessage('host.end', {}),
  /**
   * Any participant, once `host.away`'s grace period has passed without the host coming back: asks the server to
   * choose a new host. The server checks the time and the roster itself; an early or repeated ask changes nothing.
   */
  clientMessage('grace.expired', {}),
  /** Host and cohosts: open a poll (one at a time). */
  clientMessage('poll.create', pollCreateShape),
  /** Anyone in the room: set (replace) their vote in the open poll. */
  clientMessage('poll.vote', pollVoteShape),
  /** Host and cohosts: close the open poll now. */
  clientMessage('poll.close', pollIdShape),
  /**
   * Any participant, once the open poll's time limit has passed: asks the server to close it. The server checks the
   * deadline itself (there are no server timers); an early or repeated claim changes nothing.
   */
  clientMessage('poll.expired', pollIdShape),
  /** Anyone in the room: a reaction shown on the sender's tile everywhere (rate-limited, never stored). */
  clientMessage('reaction.send', { emoji: reactionEmojiSchema }),
  /** Host and cohosts lower anyone's raised hand; a member only their own. */
  clientMessage('host.lowerHand', { peerId: peerIdSchema }),
  /** From the page that started recording the meeting: everyone is told, late joiners too. */
  clientMessage('recording.started', {}),
  /** From the same page when its recording stopped (leaving or disconnecting ends it too). */
  clientMessage('recording.stopped', {}),
  /** Host and cohosts: open breakout rooms (one set at a time). */
  clientMessage('breakout.open', breakoutOpenShape),
  /** Host and cohosts: move someone (themselves too) to a room or back to the main room while rooms are open. */
  clientMessage('breakout.assign', breakoutAssignShape),
  /** Anyone in "choose" mode, hosts and cohosts always (a visit): go to a room or back to the main room. */
  clientMessage('breakout.join', breakoutJoinShape),
  /** Host and cohosts: close every room now; everyone returns to the main room. */
  clientMessage('breakout.close', breakoutIdShape),
  /** Any participant once the timer and return countdown have passed: the server checks, and closes once. */
  clientMessage('breakout.expired', breakoutIdShape),
  /** Host and cohosts: a message shown in every room. */
  clientMessage('breakout.broadcast', breakoutBroadcastShape),
  /** Anyone in a breakout room: ask the hosts for help. */
  clientMessage('breakout.help', {}),
  /** Anyone in the room: a whiteboard sync message (state vector or update), whole or in parts. */
  clientMessage('wb.sync', whiteboardClientShapes.sync),
  /** Host and cohosts: clear the whiteboard for everyone. */
  clientMessage('wb.clear', whiteboardClientShapes.clear),
  /** Host and cohosts: make the whiteboard view-only for members, or editable again. */
  clientMessage('wb.lock', whiteboardClientShapes.lock),
  /** Anyone in the room: where their pointer is on the whiteboard (relayed to the others, never stored). */
  clientMessage('wb.cursor', whiteboardClientShapes.cursor),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

// ---------------------------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------------------------

export const errorCodeSchema = z.enum([
  'invalid_message', // not JSON, unknown type, or a field fails its schema
  'message_too_large',
  'not_allowed', // the sender's role may not do this
  'not_in_room', // sent before `join`, or after leaving
  'not_found', // the target peer is not in the room / lobby
  'rate_limited',
  'room_full',
  'room_locked',
  'room_ended',
  'not_a_member', // the ticket no longer speaks for a member: removed, left, or replaced by a newer join
  'unavailable', // briefly unable to answer (the database is resuming): try again in a few seconds
  'poll_open', // another poll is still open: close it first
  'poll_closed', // the poll has closed: no more votes, nothing to close
  'invalid_vote', // an option the poll does not have, or several in a single-choice poll
  'breakouts_open', // breakout rooms are already open: close them first
  'breakouts_closed', // no breakout rooms are open (or these closed): nothing to move, close or ask
  'board_full', // the whiteboard reached its maximum size: a host can clear it
  'board_locked', // the whiteboard is view-only for members
  'invalid_update', // a whiteboard update that is not a valid Yjs update of board items
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** `replaced`: the same person joined again (another tab or device), and that entry took this one's place. */
export const leaveReasonSchema = z.enum(['left', 'disconnected', 'removed', 'ended', 'replaced']);
export type LeaveReason = z.infer<typeof leaveReasonSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    self: participantSchema,
    room: roomSettingsSchema,
    roster: z.array(participantSchema).max(LIMITS.roster),
    chat: z.array(chatMessageSchema).max(LIMITS.chatHistory),
    /** Waiting users; filled only for host and cohosts. */
    lobby: z.array(lobbyEntrySchema).max(LIMITS.lobby),
    /** The open poll, or the last closed one (its final results), with the caller's own vote. */
    poll: pollViewSchema.optional(),
    /** Who records the meeting right now, if anyone (the notice a late joiner must see). */
    recording: recordingNoticeSchema.optional(),
    /** Open breakout rooms, if any: where everyone is, the recipient included (roster and chat are their room's). */
    breakouts: breakoutViewSchema.optional(),
  }),
  z.object({ type: z.literal('peer.joined'), participant: participantSchema }),
  z.object({ type: z.literal('peer.left'), peerId: peerIdSchema, reason: leaveReasonSchema }),
  /** The whole roster after any change of state or role (rooms are small; a snapshot cannot drift). */
  z.object({ type: z.literal('roster.update'), roster: z.array(participantSchema).max(LIMITS.roster) }),
  z.object({ type: z.literal('room.update'), room: roomSettingsSchema }),
  z.object({ type: z.literal('chat.message'), message: chatMessageSchema }),
  /** To the knocker: the knock reached the hosts. */
  z.object({ type: z.literal('lobby.waiting'), roomName: z.string().max(80) }),
  /** To host and cohosts: someone knocked. */
  z.object({ type: z.literal('lobby.knock'), entry: lobbyEntrySchema }),
  /** To host and cohosts: the waiting list after any admit/deny/leave. */
  z.object({ type: z.literal('lobby.update'), lobby: z.array(lobbyEntrySchema).max(LIMITS.lobby) }),
  /** To the knocker: reconnect the sockets with this member ticket (same peerId), then send `join`. */
  z.object({ type: z.literal('lobby.admitted'), ticket: z.string(), role: roleSchema }),
  /** To the knocker, just before the server closes the socket. */
  z.object({ type: z.literal('lobby.denied'), reason: z.string().max(200) }),
  /** To everyone: a host muted all; the server has already set `mic: false` for all but `by`. */
  z.object({ type: z.literal('host.mutedAll'), by: z.string().max(LIMITS.displayName) }),
  z.object({ type: z.literal('host.unmuteRequest'), by: z.string().max(LIMITS.displayName) }),
  /** To the removed participant, just before the server closes their sockets. */
  z.object({
    type: z.literal('host.removed'),
    by: z.string().max(LIMITS.displayName),
    reason: z.string().max(LIMITS.removeReason),
  }),
  /** To everyone, just before the server closes every socket of the room. */
  z.object({ type: z.literal('room.ended'), by: z.string().max(LIMITS.displayName) }),
  /** To everyone: the host's connection dropped; they stay host for `graceSeconds` (LIMITS.hostGraceSeconds). */
  z.object({
    type: z.literal('host.away'),
    name: z.string().max(LIMITS.displayName),
    graceSeconds: z.number().int().positive(),
  }),
  /** To everyone: `name` is the new host, because `previous` left or did not come back within the grace period. */
  z.object({
    type: z.literal('host.changed'),
    name: z.string().max(LIMITS.displayName),
    previous: z.string().max(LIMITS.displayName),
    reason: z.enum(['left', 'away']),
  }),
  /**
   * To an identity's older sockets when the same person joined again (one identity is one roster entry): the
   * server closes them right after.
   */
  z.object({ type: z.literal('session.replaced') }),
  /**
   * To the owner of a recording made in this room, on their own room sockets only (functions/recordings/notify.ts):
   * the pipeline's progress, so the host sees "saved · transcribing 40 %" without leaving the meeting.
   */
  RecordingStatusMessage,
  RecordingExportMessage,
  ...pollServerMessages,
  ...breakoutServerMessages,
  /**
   * To a person whose place changed (opening, a host's move, their own choice, closing): where they are now (null:
   * the main room) and that place's recent chat, which replaces what their chat showed.
   */
  z.object({
    type: z.literal('breakout.moved'),
    room: breakoutRoomSchema.nullable(),
    reason: breakoutMoveReasonSchema,
    chat: z.array(chatMessageSchema).max(LIMITS.chatHistory),
  }),
  ...whiteboardServerMessages,
  /** To everyone, the sender too: `peerId` reacted (never stored). */
  z.object({ type: z.literal('reaction'), peerId: peerIdSchema, emoji: reactionEmojiSchema }),
  /** To everyone: the meeting is being recorded by `recording.by`, or (`null`) no longer is. */
  z.object({ type: z.literal('recording.state'), recording: recordingNoticeSchema.nullable() }),
  z.object({
    type: z.literal('error'),
    code: errorCodeSchema,
    message: z.string(),
    ref: z.string().max(LIMITS.ref).optional(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerMessageType = ServerMessage['type'];
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

// ---------------------------------------------------------------------------------------------------------------
// encode / decode
// ---------------------------------------------------------------------------------------------------------------

export type DecodeErrorCode = 'message_too_large' | 'invalid_message';
export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** The `ref` of the offending message, when it could be read, so the sender can match the error. */
  ref?: string;
  /** zod issues (path + message), for logs and for a developer reading the error. */
  issues?: { path: string; message: string }[];
}
export type DecodeResult<T> = { ok: true; message: T } | { ok: false; error: DecodeError };

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function readRef(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { ref?: unknown }).ref;
  return typeof ref === 'string' && ref.length > 0 && ref.length <= LIMITS.ref ? ref : undefined;
}

function decodeWith<T>(schema: z.ZodType<T>, raw: string | null | undefined, maxBytes: number): DecodeResult<T> {
  if (typeof raw !== 'string' || raw.length === 0) {
    return { ok: false, error: { code: 'invalid_message', message: 'empty message' } };
  }
  // Cheap check first: a string of n UTF-16 units is at least n bytes, so huge input is rejected without encoding.
  if (raw.length > maxBytes || byteLength(raw) > maxBytes) {
    return { ok: false, error: { code: 'message_too_large', message: `message larger than ${maxBytes} bytes` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: 'invalid_message', message: 'message is not valid JSON' } };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const first = issues[0];
    const where = first && first.path ? `${first.path}: ` : '';
    const ref = readRef(value);
    return {
      ok: false,
      error: {
        code: 'invalid_message',
        message: `${where}${first?.message ?? 'invalid message'}`,
        issues,
        ...(ref ? { ref } : {}),
      },
    };
  }
  return { ok: true, message: parsed.data };
}

/** Server side: parse and validate one inbound frame. Never throws. */
export function decodeClientMessage(raw: string | null | undefined): DecodeResult<ClientMessage> {
  return decodeWith(clientMessageSchema, raw, LIMITS.clientMessageBytes);
}

/**
 * What API Gateway itself sends on a WebSocket when a route's integration fails (the Lambda threw, timed out or was
 * throttled): not one of our messages, and it carries no `ref`, so the page cannot tell which of its frames was lost.
 * The local gateway sends the same frame (local/gateway/websocket-api.ts).
 */
export const INTEGRATION_FAILURE_MESSAGE = 'Internal server error';
const integrationFailureSchema = z
  .object({ message: z.literal(INTEGRATION_FAILURE_MESSAGE), connectionId: z.string(), requestId: z.string() })
  .strict();
export type IntegrationFailure = z.infer<typeof integrationFailureSchema>;

/** The integration-failure frame for a connection and request, as API Gateway writes it. */
export function integrationFailureFrame(connectionId: string, requestId: string): string {
  return JSON.stringify({ message: INTEGRATION_FAILURE_MESSAGE, connectionId, requestId });
}

/** Browser side: the frame is API Gateway's "a frame of yours failed on the server" (see above), else undefined. */
export function decodeIntegrationFailure(raw: string | null | undefined): IntegrationFailure | undefined {
  if (typeof raw !== 'string' || raw.length > 1024) return undefined;
  try {
    const parsed = integrationFailureSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Browser side: parse and validate one frame from the server. Never throws. */
export function decodeServerMessage(raw: string | null | undefined): DecodeResult<ServerMessage> {
  // Welcome carries 50 chat messages; API Gateway's own 128 KB message limit is the real bound.
  return decodeWith(serverMessageSchema, raw, 128 * 1024);
}

/** Browser side: validate before sending, so a bug shows up as a typed error here rather than an `error` later. */
export function encodeClientMessage(message: ClientMessage): DecodeResult<string> {
  const parsed = clientMessageSchema.safeParse(message);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      error: { code: 'invalid_message', message: first ? `${first.path.join('.')}: ${first.message}` : 'invalid' },
    };
  }
  const text = JSON.stringify(parsed.data);
  if (byteLength(text) > LIMITS.clientMessageBytes) {
    return {
      ok: false,
      error: { code: 'message_too_large', message: `message larger than ${LIMITS.clientMessageBytes} bytes` },
    };
  }
  return { ok: true, message: text };
}

/** Server side: the one place outbound messages are shaped; throws on a server bug (never user input). */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(serverMessageSchema.parse(message));
}

/** Convenience for the server's error replies. */
export function errorMessage(code: ErrorCode, message: string, ref?: string): ServerMessageOf<'error'> {
  return ref ? { type: 'error', code, message, ref } : { type: 'error', code, message };
}
