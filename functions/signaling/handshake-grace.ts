import type { ConnectionRecord } from './connection-registry';

/*
 * A socket is registered during its $connect, but API Gateway completes the WebSocket handshake only when the
 * $connect integration has returned (the authorizer and WsConnect may take up to API Gateway's 29 s integration
 * limit between them), and until then @connections answers 410 for it, exactly as for a socket that is gone.
 * Evicting every record that answers 410 therefore unregistered peers who were still joining: a peer that joined
 * while another left had the LEAVE meant for it refused, its record and peer id were deleted, and every frame it
 * sent afterwards was refused as "not a registered PeerJS socket" (found as a flaky PeerJS protocol test; the local
 * gateway refuses posts during $connect as AWS does).
 */

/** How long after its $connect a record may belong to a socket still in its handshake (29 s and a margin). */
export const HANDSHAKE_GRACE_MS = 30_000;

/**
 * Whether a 410 from this connection proves it gone. A younger record is left alone: a socket that really died
 * that young is cleaned up by its own $disconnect or the record's TTL.
 */
export function goneForGood(record: Pick<ConnectionRecord, 'connectedAt'> | undefined, now: number): boolean {
  return !record || now - record.connectedAt >= HANDSHAKE_GRACE_MS;
}
