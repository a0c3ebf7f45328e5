import { randomBytes, randomUUID } from 'node:crypto';
import { ROOM_ID_ALPHABET } from '../shared/protocol/room';

// 32 symbols divide 256 evenly, so `byte & 31` picks each symbol with equal probability (no modulo bias).
function randomSymbols(count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  for (const byte of bytes) out += ROOM_ID_ALPHABET[byte & 31];
  return out;
}

/**
 * A room id such as `k3xd-9vqe-7rbn-m2ta`: 16 symbols × 5 bits = 80 random bits, so a link cannot be guessed, in
 * groups of four that can be read out over the phone (Crockford's alphabet has no i, l, o or u to confuse).
 */
export function newRoomId(): string {
  const s = randomSymbols(16);
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}`;
}

/** A fresh PeerJS id per join (100 random bits), letters and digits only so the PeerJS client accepts it. */
export function newPeerId(): string {
  return `p${randomSymbols(20)}`;
}

/** Chat message ids: time-ordered prefix so archive rows sort naturally, random suffix so they never collide. */
export function newMessageId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}-${randomUUID()}`;
}
