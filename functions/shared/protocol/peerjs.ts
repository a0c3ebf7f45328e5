import * as z from 'zod';

/*
 * The PeerJS server protocol (client peerjs@1.5.5, reference server peer@1.0.2) as spoken on our PeerJS socket.
 * Shared by the Lambdas (which validate every frame a client sends) and the browser (which may validate what it
 * receives). See /docs/signaling.md for the decisions where we differ from the reference server.
 */

// ---------------------------------------------------------------------------------------------------------------
// Limits

/**
 * Largest frame the relay accepts, in UTF-8 bytes. Measured with Chromium: OFFER ≈ 6.2 KB, ANSWER ≈ 5.9 KB,
 * CANDIDATE ≈ 0.3 KB. 16 KiB leaves 2.5× headroom for more m-lines, codecs and app metadata, stays in one API
 * Gateway frame (32 KB, also its billing unit) and bounds what one sender can push at another peer per message.
 */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** SDP bodies: the whole frame is capped anyway; this keeps the error message about the SDP itself. */
const MAX_SDP_CHARS = 15 * 1024;

/** PeerJS's own client-side id rule (util.validateId); also bounded so an id cannot bloat every relayed frame. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;
export const peerIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(PEER_ID_PATTERN, 'peer ids are letters and digits, optionally joined by single spaces, _ or -');

/** PeerJS makes `mc_`/`dc_` + a random token; apps may choose their own, so only the character set is fixed. */
export const connectionIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'connectionId is letters, digits, _ or -');

export const connectionTypeSchema = z.enum(['media', 'data']);

/*
 * The receiving client does `new this._serializers[payload.serialization](…)`: an unknown name (or one such as
 * "constructor") throws inside the victim's message handler, so only the serializers peerjs ships are relayed.
 */
export const serializationSchema = z.enum(['raw', 'json', 'binary', 'binary-utf8', 'default', 'MsgPack']);

const sessionDescription = <T extends 'offer' | 'answer'>(type: T) =>
  z.object({ type: z.literal(type), sdp: z.string().min(1).max(MAX_SDP_CHARS) });

// PeerJS silently ignores a relayed message without a payload, so the sender gets told instead.
const payloadRequired = {
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? 'payload is required for OFFER, ANSWER and CANDIDATE' : undefined,
};

/*
 * Payload schemas are plain (stripping) objects: the relay forwards what it validated, never unknown keys,
 * the way peer@1.0.2 rebuilds each relayed message from known fields.
 */
export const offerPayloadSchema = z.object(
  {
    sdp: sessionDescription('offer'),
    type: connectionTypeSchema,
    connectionId: connectionIdSchema,
    /** App-defined (our frontend tags screen shares); JSON by construction, bounded by MAX_SIGNAL_BYTES. */
    metadata: z.unknown().optional(),
    label: z.string().max(256).optional(),
    reliable: z.boolean().optional(),
    serialization: serializationSchema.optional(),
  },
  payloadRequired,
);

export const answerPayloadSchema = z.object(
  {
    sdp: sessionDescription('answer'),
    type: connectionTypeSchema,
    connectionId: connectionIdSchema,
  },
  payloadRequired,
);

export const candidatePayloadSchema = z.object(
  {
    candidate: z.object({
      // RFC 5245 candidate lines are ~100-250 chars; 1 KiB is generous and rejects smuggled blobs.
      candidate: z.string().max(1024),
      sdpMid: z.string().max(64).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    }),
    type: connectionTypeSchema,
    connectionId: connectionIdSchema,
  },
  payloadRequired,
);

// ---------------------------------------------------------------------------------------------------------------
// Client → server. There is no `src`: a client-sent one is ignored, the server stamps the registered id.

export const clientOfferSchema = z.object({
  type: z.literal('OFFER'),
  dst: peerIdSchema,
  payload: offerPayloadSchema,
});
export const clientAnswerSchema = z.object({
  type: z.literal('ANSWER'),
  dst: peerIdSchema,
  payload: answerPayloadSchema,
});
export const clientCandidateSchema = z.object({
  type: z.literal('CANDIDATE'),
  dst: peerIdSchema,
  payload: candidatePayloadSchema,
});
/** The peerjs client never sends these, but peer@1.0.2 relays them; the recipient learns only the stamped src. */
export const clientLeaveSchema = z.object({ type: z.literal('LEAVE'), dst: peerIdSchema });
export const clientExpireSchema = z.object({ type: z.literal('EXPIRE'), dst: peerIdSchema });
/** Answered by a mock integration in AWS and dropped by the local gateway; accepted (and ignored) if it arrives. */
export const clientHeartbeatSchema = z.object({ type: z.literal('HEARTBEAT') });

export const RELAYED_TYPES = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE'] as const;
export type RelayedType = (typeof RELAYED_TYPES)[number];
export const CLIENT_TYPES = [...RELAYED_TYPES, 'HEARTBEAT'] as const;

export const clientMessageSchema = z.discriminatedUnion('type', [
  clientOfferSchema,
  clientAnswerSchema,
  clientCandidateSchema,
  clientLeaveSchema,
  clientExpireSchema,
  clientHeartbeatSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientSignal = Exclude<ClientMessage, { type: 'HEARTBEAT' }>;

// ---------------------------------------------------------------------------------------------------------------
// Server → client

export const openMessageSchema = z.object({ type: z.literal('OPEN') });
/** The client turns ERROR into `server-error` and disconnects (destroys before its first OPEN). */
export const errorMessageSchema = z.object({ type: z.literal('ERROR'), payload: z.object({ msg: z.string() }) });
export const idTakenMessageSchema = z.object({ type: z.literal('ID-TAKEN'), payload: z.object({ msg: z.string() }) });
export const leaveMessageSchema = z.object({ type: z.literal('LEAVE'), src: peerIdSchema, dst: peerIdSchema });
export const expireMessageSchema = z.object({ type: z.literal('EXPIRE'), src: peerIdSchema, dst: peerIdSchema });
export const relayedOfferSchema = clientOfferSchema.extend({ src: peerIdSchema });
export const relayedAnswerSchema = clientAnswerSchema.extend({ src: peerIdSchema });
export const relayedCandidateSchema = clientCandidateSchema.extend({ src: peerIdSchema });

export const serverMessageSchema = z.discriminatedUnion('type', [
  openMessageSchema,
  errorMessageSchema,
  idTakenMessageSchema,
  leaveMessageSchema,
  expireMessageSchema,
  relayedOfferSchema,
  relayedAnswerSchema,
  relayedCandidateSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const OPEN_MESSAGE = { type: 'OPEN' } as const satisfies ServerMessage;
export const ID_TAKEN_MESSAGE = { type: 'ID-TAKEN', payload: { msg: 'ID is taken' } } as const satisfies ServerMessage;

export function errorMessage(msg: string): z.infer<typeof errorMessageSchema> {
  return { type: 'ERROR', payload: { msg } };
}
