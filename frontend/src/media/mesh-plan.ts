/*
 * What the mesh must do when the roster changes, as pure functions (mesh.ts applies them). A breakout move swaps
 * the whole roster at once: the calls to people who stay with us must survive it untouched, since a new call costs
 * seconds of signaling, ICE and a first keyframe, and both ends re-dialing at once made roommates reconnect for
 * 10–24 s on a busy machine (issue #12).
 */
import { shouldCall, type PeerPosition } from './call-direction';

/**
 * Whether a call still stands, so that no second call is placed beside it. A call that carried media stands until
 * it closes (PeerJS closes it when ICE fails for good, and its `close` re-meshes). One still being set up stands
 * unless its connection failed; `disconnected` is ICE missing a few consent checks (a starved CPU, a network blip)
 * and recovers on its own: re-dialing it replaced a working call whenever a page was slow.
 */
export function isLiveCall(open: boolean, state: RTCPeerConnectionState | undefined): boolean {
  if (state === 'closed') return false;
  return open || state !== 'failed';
}

export interface CameraPlan {
  /** Peers the roster no longer shows: every call to and from them closes. */
  drop: string[];
  /** Peers this page owes a call (it is the newcomer of the pair) and holds no live call to. */
  dial: string[];
}

/**
 * @param calls every peer we hold a call with (camera or screen), and whether its camera call is live
 *   (false: none, or a dead one)
 */
export function planCameraCalls(
  self: PeerPosition,
  roster: readonly PeerPosition[],
  calls: ReadonlyMap<string, boolean>,
): CameraPlan {
  const present = new Set(roster.map((p) => p.peerId));
  const drop = [...calls.keys()].filter((peerId) => !present.has(peerId));
  const dial = roster
    .filter((remote) => remote.peerId !== self.peerId && shouldCall(self, remote) && calls.get(remote.peerId) !== true)
    .map((remote) => remote.peerId);
  return { drop, dial };
}

/**
 * Breakout rooms: a call to someone who moved to another room is parked rather than closed. Its senders send
 * nothing (`replaceTrack(null)`: no media, no renegotiation, so no signalling the server would refuse across rooms),
 * nothing of it is shown, and ICE keeps it connected; when they are back in our roster (the rooms close, a host
 * visits) it resumes at once instead of costing a new call's signalling, ICE and first keyframe, which took 7 s for
 * five pages to re-mesh on a quiet 2-core machine (bench:breakout). Whether the peer is in another room comes from
 * the breakout state, which the server sends just after the roster that dropped them: until then a dropped call
 * waits, silent, for this long.
 */
export const PARK_DECISION_MS = 5_000;

export type ParkedFate = 'keep' | 'resume' | 'close';

/**
 * What becomes of a parked call when the roster or the breakout state changes.
 * @param inRoster the peer is in our room again
 * @param elsewhere the breakout state lists the peer as present in another room
 * @param parkedForMs since the call was parked
 */
export function parkedFate(p: {
  state: RTCPeerConnectionState | undefined;
  inRoster: boolean;
  elsewhere: boolean;
  parkedForMs: number;
}): ParkedFate {
  // A parked call that failed is no shortcut any more: a new call is placed when the peer is back.
  if (p.state === 'closed' || p.state === 'failed') return 'close';
  if (p.inRoster) return 'resume';
  if (p.elsewhere || p.parkedForMs < PARK_DECISION_MS) return 'keep';
  // Gone from the meeting (left, removed) or the rooms closed without them: nothing to come back to.
  return 'close';
}
