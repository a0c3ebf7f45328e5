import { installCandidateBuffer, type PatchablePeerConnection } from '../../../frontend/src/media/candidate-buffer';

/** Stands in for RTCPeerConnection's two methods: refuses candidates without a remote description, as browsers do. */
function fakePeerConnectionClass() {
  const added: unknown[] = [];
  const proto = {
    remoteDescription: null as RTCSessionDescriptionInit | null,
    async addIceCandidate(this: { remoteDescription: unknown }, candidate: unknown) {
      if (!this.remoteDescription) throw new Error('InvalidStateError: The remote description was null');
      added.push(candidate);
    },
    async setRemoteDescription(this: { remoteDescription: unknown }, description: RTCSessionDescriptionInit) {
      this.remoteDescription = description;
    },
  };
  return { proto, added, create: () => Object.create(proto) as typeof proto };
}

describe('installCandidateBuffer', () => {
  it('holds candidates that overtake the answer and adds them, in order, once it arrives', async () => {
    const { proto, added, create } = fakePeerConnectionClass();
    installCandidateBuffer(proto as unknown as PatchablePeerConnection);
    const pc = create();
    const early = [pc.addIceCandidate({ candidate: 'c1' }), pc.addIceCandidate({ candidate: 'c2' })];
    expect(added).toEqual([]);
    await pc.setRemoteDescription({ type: 'answer', sdp: 'v=0' });
    await Promise.all(early);
    expect(added).toEqual([{ candidate: 'c1' }, { candidate: 'c2' }]);
  });

  it('passes candidates straight through once the remote description is set', async () => {
    const { proto, added, create } = fakePeerConnectionClass();
    installCandidateBuffer(proto as unknown as PatchablePeerConnection);
    const pc = create();
    await pc.setRemoteDescription({ type: 'offer', sdp: 'v=0' });
    await pc.addIceCandidate({ candidate: 'c3' });
    expect(added).toEqual([{ candidate: 'c3' }]);
  });

  it('keeps each connection’s candidates apart', async () => {
    const { proto, added, create } = fakePeerConnectionClass();
    installCandidateBuffer(proto as unknown as PatchablePeerConnection);
    const a = create();
    const b = create();
    void a.addIceCandidate({ candidate: 'for-a' });
    const forB = b.addIceCandidate({ candidate: 'for-b' });
    await b.setRemoteDescription({ type: 'answer', sdp: 'v=0' });
    await forB;
    expect(added).toEqual([{ candidate: 'for-b' }]);
  });

  it('installs once even if called twice (no double wrapping)', async () => {
    const { proto, added, create } = fakePeerConnectionClass();
    installCandidateBuffer(proto as unknown as PatchablePeerConnection);
    installCandidateBuffer(proto as unknown as PatchablePeerConnection);
    const pc = create();
    const early = pc.addIceCandidate({ candidate: 'once' });
    await pc.setRemoteDescription({ type: 'answer', sdp: 'v=0' });
    await early;
    expect(added).toEqual([{ candidate: 'once' }]);
  });
});
