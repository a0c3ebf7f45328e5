/**
 * Every Redis key the functions write, built in one place.
 *
 * ElastiCache Serverless (Valkey) is always cluster mode: a MULTI, a Lua script or a multi-key command (DEL of
 * several keys, a pipeline on one cluster node) must touch keys of one hash slot, or Valkey answers
 * `CROSSSLOT Keys in request don't hash to the same slot`. Only the part of a key inside its first `{…}` (the hash
 * tag) picks the slot, so each family puts its owner in braces: all keys of one room share `{room:R}` and land in
 * one slot, whatever the client's key prefix (`cn:` in AWS) in front of them.
 * See https://valkey.io/topics/cluster-spec/#hash-tags.
 */

import { MAIN_BOARD } from './protocol/whiteboard';

/** The live side of one room: roster, one hash per participant, recent chat, lobby queue, membership, poll. */
export function roomKeys(roomId: string) {
  requireTagSafe('room id', roomId);
  const tag = `{room:${roomId}}`;
  return {
    peers: `${tag}:peers`,
    peer: (peerId: string) => `${tag}:peer:${peerId}`,
    chat: `${tag}:chat`,
    lobby: `${tag}:lobby`,
    /** Who may be in the room right now: field `sub:{sub}` → the peer id of that identity's current ticket. */
    members: `${tag}:members`,
    /** The host whose connection dropped, while the room waits for them (JSON; see live-state.ts). */
    hostAway: `${tag}:host-away`,
    /** Wrong-password attempts on this room in one fixed window, from every caller together (rate-limit.ts). */
    passwordFailures: (window: number) => `${tag}:pw-fail:${window}`,
    /** The room's current poll (open, or the last closed one): state, id, record JSON, creator, salt while open. */
    poll: `${tag}:poll`,
    /** Ballots of the current poll: field voter key (sub, or its salted hash in anonymous polls) → ballot JSON. */
    pollVotes: `${tag}:poll-votes`,
    /** Who is recording the meeting right now (JSON RecordingNotice plus the recorder's sub); absent otherwise. */
    recording: `${tag}:recording`,
    /** The room's breakout rooms (open, or the last closed ones): state, id, mode, record JSON (breakouts/). */
    breakout: `${tag}:breakout`,
    /**
     * Where each identity is while breakout rooms are open: field sub → breakout room id (absent: the main room).
     * Signaling reads it with the membership (same slot, one MULTI) to relay media only within one room.
     */
    breakoutPlaces: `${tag}:breakout-places`,
    /** Open requests for help: field sub → request JSON. */
    breakoutHelp: `${tag}:breakout-help`,
    /** One breakout room's chat during one opening. */
    breakoutChat: (breakoutId: string, room: string) => `${tag}:breakout-chat:${breakoutId}:${room}`,
    /**
     * Whiteboard updates since the last snapshot, oldest first (base64 Yjs updates; see room/whiteboard/). One log
     * per board: the main room's (`main`, under the key it always had) and each breakout room's.
     */
    whiteboardLog: (board: string) => `${tag}:wb-log${boardSuffix(board)}`,
    /** Whiteboard settings and fill: `locked`, `bytes` (snapshot + log), `snapshotBytes`, `compactedAt`. */
    whiteboardMeta: (board: string) => `${tag}:wb-meta${boardSuffix(board)}`,
    /** Parts of one multi-part whiteboard message in flight from one socket: field index → base64. */
    whiteboardParts: (connectionId: string, id: string) => `${tag}:wb-parts:${connectionId}:${id}`,
    /** Held while one invocation compacts the board into a snapshot (SET NX with expiry). */
    whiteboardCompacting: (board: string) => `${tag}:wb-compacting${boardSuffix(board)}`,
  };
}

/** The main board keeps the keys it had before boards per breakout room (a meeting live across a deploy goes on). */
const boardSuffix = (board: string) => (board === MAIN_BOARD ? '' : `:${board}`);

/**
 * Boards with updates not yet compacted into a snapshot (a set of board keys, `R` or `R/<opening>/bN`, see
 * room/whiteboard/board-ref.ts; in its own slot): what a stop of the local cloud compacts before the in-process Redis goes (room/whiteboard/whiteboard-actions.ts).
 */
export const LIVE_WHITEBOARDS_KEY = 'wb-live:{boards}';

/**
 * One fixed-window rate-limit counter (`name` says who is counted, `window` which window it is). Names can carry
 * addresses and provider subjects, so braces are escaped rather than refused: a limiter must never fail a request.
 */
export function rateLimitKey(name: string, window: number): string {
  return `rl:{${name.replace(/[{}]/g, (b) => encodeURIComponent(b))}}:${window}`;
}

/**
 * A brace inside the tagged part would end the tag early and scatter one room's keys over several slots; room and
 * peer ids come from our own schemas (no braces), so this only stops a future caller that passes raw input.
 */
function requireTagSafe(what: string, value: string): void {
  if (value.length === 0 || value.includes('{') || value.includes('}')) {
    throw new Error(`Redis key: ${what} must be non-empty and contain no braces, got ${JSON.stringify(value)}`);
  }
}
