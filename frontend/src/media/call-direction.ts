/*
 * Exactly one camera call per pair of peers. The newcomer calls everyone already in the room; the earlier peer
 * waits. "Newcomer" is decided from data both sides see identically (the order in which the server admitted
 * them, then peer id), so both ends reach the same answer without talking. A peer that drops and comes back is a
 * newcomer again, so it re-calls everyone and no one re-calls it.
 */

export interface PeerPosition {
  peerId: string;
  /** When the server admitted this peer into the meeting (ms since epoch, or a sequence number). */
  joinedAt: number;
}

/** True when `self` must place the call to `remote` (it arrived later). */
export function shouldCall(self: PeerPosition, remote: PeerPosition): boolean {
  if (self.peerId === remote.peerId) return false;
  if (self.joinedAt !== remote.joinedAt) return self.joinedAt > remote.joinedAt;
  // Same instant (both admitted in one tick): the larger id calls. Any total order works as long as both agree.
  return self.peerId > remote.peerId;
}
