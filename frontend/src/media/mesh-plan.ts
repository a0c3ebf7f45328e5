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
