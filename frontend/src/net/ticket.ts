/*
 * Reading (not verifying) a room ticket's expiry. A ticket is checked only when a socket connects, and each
 * `POST /api/rooms/{id}/join` mints a new peer id: a reconnect that can reuse the ticket it holds keeps its peer
 * id, so the PeerJS socket re-binds to the same id and every call keeps flowing.
 */

/** Seconds until the JWT's `exp`, or 0 when it cannot be read. */
export function ticketSecondsLeft(ticket: string, nowMs: number = Date.now()): number {
  const payload = ticket.split('.')[1];
  if (!payload) return 0;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))) as { exp?: unknown };
    return typeof json.exp === 'number' ? Math.max(0, Math.floor(json.exp - nowMs / 1000)) : 0;
  } catch {
    return 0;
  }
}

/** A ticket with less time than this left is replaced before a reconnect (the handshake must finish in time). */
export const TICKET_REUSE_MARGIN_SECONDS = 20;
