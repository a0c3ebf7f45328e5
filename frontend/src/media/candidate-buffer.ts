/*
 * Holds ICE candidates that arrive before the remote description, and adds them once it is set.
 *
 * Why: on API Gateway every inbound WebSocket frame is its own Lambda invocation, so the relay does not keep the
 * order of one sender's frames: a CANDIDATE can overtake the ANSWER it belongs to. PeerJS (1.5.5) then calls
 * addIceCandidate with no remote description, which throws InvalidStateError, and the candidate is lost (seen in
 * bench:join on the local stack). Browsers only buffer candidates that arrive *after* setRemoteDescription.
 */

type AddIceCandidate = RTCPeerConnection['addIceCandidate'];
type SetRemoteDescription = RTCPeerConnection['setRemoteDescription'];

interface Held {
  candidate: RTCIceCandidateInit | RTCIceCandidate | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The slice of RTCPeerConnection.prototype we patch (a plain object in unit tests). */
export interface PatchablePeerConnection {
  addIceCandidate: AddIceCandidate;
  setRemoteDescription: SetRemoteDescription;
}

const INSTALLED = Symbol.for('connect-now.candidate-buffer');

export function installCandidateBuffer(proto: PatchablePeerConnection = RTCPeerConnection.prototype): void {
  const marked = proto as PatchablePeerConnection & { [INSTALLED]?: boolean };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const held = new WeakMap<object, Held[]>();
  // The promise forms only (the legacy callback overloads are never used by PeerJS).
  const add = proto.addIceCandidate as (
    this: RTCPeerConnection,
    candidate?: RTCIceCandidateInit | RTCIceCandidate,
  ) => Promise<void>;
  const setRemote = proto.setRemoteDescription as (
    this: RTCPeerConnection,
    description: RTCSessionDescriptionInit,
  ) => Promise<void>;

  proto.addIceCandidate = function (this: RTCPeerConnection, candidate?: RTCIceCandidateInit | RTCIceCandidate) {
    if (this.remoteDescription) return add.call(this, candidate);
    return new Promise<void>((resolve, reject) => {
      const queue = held.get(this) ?? [];
      queue.push({ candidate, resolve, reject });
      held.set(this, queue);
    });
  } as AddIceCandidate;

  proto.setRemoteDescription = async function (
    this: RTCPeerConnection,
    description: RTCSessionDescriptionInit,
  ): Promise<void> {
    await setRemote.call(this, description);
    const queue = held.get(this);
    held.delete(this);
    for (const h of queue ?? []) add.call(this, h.candidate).then(h.resolve, h.reject);
  } as SetRemoteDescription;
}
