/*
 * One camera call per remote peer, plus one screen call from each sharer to everyone else. Calls are placed only
 * when the signalling socket is open, the direction comes from call-direction.ts, and the outgoing encodings
 * follow quality-policy.ts as the room grows or shrinks.
 */
import type { MediaConnection } from 'peerjs';
import { Emitter } from '../net/emitter';
import type { Signaling } from '../net/signaling';
import { CALL_HOLD_MS, CallGate, type CallGateOptions } from './call-gate';
import type { PeerPosition } from './call-direction';
import type { LocalMedia } from './local-media';
import { isLiveCall, planCameraCalls } from './mesh-plan';
import { encodingFor, videoCapFor, type VideoSource } from './quality-policy';

export type StreamKind = 'camera' | 'screen';

export interface MeshEvents {
  stream: (peerId: string, kind: StreamKind, stream: MediaStream) => void;
  streamEnded: (peerId: string, kind: StreamKind) => void;
}

interface CallMetadata {
  kind: StreamKind;
}

function metadataOf(call: MediaConnection): CallMetadata {
  const kind = (call.metadata as { kind?: unknown } | undefined)?.kind;
  return { kind: kind === 'screen' ? 'screen' : 'camera' };
}

function isAlive(call: MediaConnection): boolean {
  return isLiveCall(call.open, call.peerConnection?.connectionState);
}

/**
 * How long a camera call we placed may wait for its ANSWER. Nothing tells the caller when its OFFER went nowhere
 * (the callee's page held it until its hold ran out because the roster naming us came late, or the relay answered
 * EXPIRE, which PeerJS reports on the Peer, not on the call), and an unanswered call looked alive forever: the pair
 * never got a call. Well past the callee's hold (call-gate.ts), so a held call can still be let in, and past the
 * 18 s a starved page once took to answer in bench:breakout: re-dialing a call about to be answered only adds work.
 */
export const ANSWER_TIMEOUT_MS = 3 * CALL_HOLD_MS;

export class Mesh extends Emitter<MeshEvents> {
  private readonly camera = new Map<string, MediaConnection>();
  private readonly screenOut = new Map<string, MediaConnection>();
  private readonly screenIn = new Map<string, MediaConnection>();
  private screenStream: MediaStream | null = null;
  private participants = 1;
  private audioOnly = false;
  private readonly gate: CallGate;

  /**
   * @param admits whether the current roster shows `peerId` (sharing, for a screen call): only such calls are
   *   answered (call-gate.ts)
   */
  constructor(
    private readonly signaling: Signaling,
    private readonly local: LocalMedia,
    admits: (peerId: string, kind: StreamKind) => boolean,
    gateOptions?: CallGateOptions,
  ) {
    super();
    this.gate = new CallGate(admits, gateOptions);
    signaling.on('call', (call) => this.gate.offer(call, metadataOf(call).kind, () => this.incoming(call)));
    local.on('trackReplaced', (kind, track) => this.replaceTrack(kind, track));
    local.on('sentSizeChanged', () => this.applyQuality());
  }

  /**
   * Makes the calls this peer owes: a camera call to every peer it must call (and has no live call to), and the
   * screen share to everyone who does not have it yet; closes every call to a peer the roster no longer shows (a
   * move between breakout rooms changes the roster without anyone leaving). A live call to a peer still in the
   * roster is never touched (mesh-plan.ts). Safe to run again at any time.
   */
  reconcile(self: PeerPosition, roster: PeerPosition[]): void {
    this.participants = Math.max(1, roster.length);
    // First answer the held calls the roster now admits: a call we already hold is never placed twice.
    this.gate.rosterChanged();
    const calls = new Map<string, boolean>();
    for (const peerId of [...this.camera.keys(), ...this.screenOut.keys(), ...this.screenIn.keys()]) {
      calls.set(peerId, this.hasLiveCamera(peerId));
    }
    const plan = planCameraCalls(self, roster, calls);
    // Dial before dropping: closing a peer connection blocks the page for up to a second or more on a busy machine
    // (bench:breakout), and the new calls are better under way meanwhile.
    if (this.signaling.open) {
      for (const peerId of plan.dial) this.callCamera(peerId);
      for (const remote of roster) {
        if (remote.peerId === self.peerId) continue;
        const share = this.screenOut.get(remote.peerId);
        if (this.screenStream && (!share || !isAlive(share))) this.callScreen(remote.peerId);
      }
    }
    for (const peerId of plan.drop) this.drop(peerId);
    this.applyQuality();
  }

  hasLiveCamera(peerId: string): boolean {
    const call = this.camera.get(peerId);
    return !!call && isAlive(call);
  }

  /** Connection state of the camera call to a peer (for the "reconnecting" hint on a tile). */
  cameraState(peerId: string): RTCPeerConnectionState | 'none' {
    return this.camera.get(peerId)?.peerConnection?.connectionState ?? 'none';
  }

  /** The camera call's peer connection to a peer (its getStats() feeds the tile's connection quality). */
  cameraConnection(peerId: string): RTCPeerConnection | undefined {
    return this.camera.get(peerId)?.peerConnection ?? undefined;
  }

  /** The peer left for good: close everything to and from it. */
  drop(peerId: string): void {
    for (const map of [this.camera, this.screenOut, this.screenIn]) {
      const call = map.get(peerId);
      map.delete(peerId);
      call?.close();
    }
    this.emit('streamEnded', peerId, 'camera');
    this.emit('streamEnded', peerId, 'screen');
  }

  startScreenShare(stream: MediaStream, self: PeerPosition, roster: PeerPosition[]): void {
    this.screenStream = stream;
    stream.getVideoTracks()[0]?.addEventListener('ended', () => this.stopScreenShare());
    this.reconcile(self, roster);
  }

  get sharing(): boolean {
    return this.screenStream !== null;
  }

  stopScreenShare(): void {
    if (!this.screenStream) return;
    for (const t of this.screenStream.getTracks()) t.stop();
    this.screenStream = null;
    for (const call of this.screenOut.values()) call.close();
    this.screenOut.clear();
    this.onScreenStopped?.();
  }

  /** Set by the session so the roster hears `screen:false` whoever stopped the share (button or browser bar). */
  onScreenStopped: (() => void) | undefined;

  setAudioOnly(on: boolean): void {
    this.audioOnly = on;
    this.applyQuality();
  }

  closeAll(): void {
    this.gate.closeAll();
    this.stopScreenShare();
    for (const map of [this.camera, this.screenIn]) {
      for (const call of map.values()) call.close();
      map.clear();
    }
  }

  /** Applies the mesh quality cap to every outgoing video sender (RTCRtpSender.setParameters, no renegotiation). */
  applyQuality(): void {
    for (const call of this.camera.values()) void this.capSender(call, 'camera');
    for (const call of this.screenOut.values()) void this.capSender(call, 'screen');
  }

  private callCamera(peerId: string): void {
    const call = this.signaling.call(peerId, this.local.stream, { kind: 'camera' } satisfies CallMetadata);
    if (!call) return;
    this.adopt(peerId, call, 'camera', this.camera);
    setTimeout(() => {
      if (call.open || this.camera.get(peerId) !== call) return;
      // Closing a call that never opened emits no `close`: forget it here, and say so, so the session reconciles
      // and dials again.
      this.camera.delete(peerId);
      call.close();
      this.emit('streamEnded', peerId, 'camera');
    }, ANSWER_TIMEOUT_MS);
  }

  private callScreen(peerId: string): void {
    if (!this.screenStream) return;
    const call = this.signaling.call(peerId, this.screenStream, { kind: 'screen' } satisfies CallMetadata);
    if (!call) return;
    this.screenOut.set(peerId, call);
    call.on('close', () => {
      if (this.screenOut.get(peerId) === call) this.screenOut.delete(peerId);
    });
    call.on('error', () => call.close());
    watchConnected(call, () => void this.capSender(call, 'screen'));
  }

  private incoming(call: MediaConnection): void {
    const { kind } = metadataOf(call);
    const peerId = call.peer;
    if (kind === 'screen') {
      // Receive only: our answer carries no tracks.
      call.answer();
      this.adopt(peerId, call, 'screen', this.screenIn);
      return;
    }
    // The caller is the newcomer (or came back): its call replaces whatever we had with it.
    call.answer(this.local.stream);
    this.adopt(peerId, call, 'camera', this.camera);
  }

  private adopt(peerId: string, call: MediaConnection, kind: StreamKind, map: Map<string, MediaConnection>): void {
    const previous = map.get(peerId);
    map.set(peerId, call);
    if (previous && previous !== call) previous.close();
    call.on('stream', (stream) => {
      if (map.get(peerId) === call) this.emit('stream', peerId, kind, stream);
    });
    call.on('close', () => {
      if (map.get(peerId) !== call) return;
      map.delete(peerId);
      this.emit('streamEnded', peerId, kind);
    });
    call.on('error', () => call.close());
    if (kind === 'camera') watchConnected(call, () => void this.capSender(call, 'camera'));
  }

  /** Per sender, the last queued setParameters: calls must not overlap (Chromium rejects an overlapping one). */
  private readonly capping = new WeakMap<RTCRtpSender, Promise<void>>();

  private capSender(call: MediaConnection, source: VideoSource): Promise<void> {
    const sender = call.peerConnection?.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender) return Promise.resolve();
    const next = (this.capping.get(sender) ?? Promise.resolve()).then(() => this.applyCap(sender, source));
    this.capping.set(sender, next);
    return next;
  }

  private async applyCap(sender: RTCRtpSender, source: VideoSource): Promise<void> {
    if (!sender.track) return;
    // Read the room size now, not when queued: the latest roster wins.
    const cap = videoCapFor({ participants: this.participants, source, audioOnly: this.audioOnly });
    // The camera call sends the effect's output when one is on: its size, not the camera's, is what is scaled.
    const height = source === 'camera' ? this.local.sentVideoSize?.height : sender.track.getSettings().height;
    const encoding = encodingFor(cap, height);
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length === 0) return; // not negotiated yet; applied on connect
    params.encodings = params.encodings.map((e) => ({ ...e, ...encoding }));
    try {
      await sender.setParameters(params);
    } catch (err) {
      console.warn('setParameters failed', err);
    }
  }

  private replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack): void {
    for (const call of this.camera.values()) {
      const sender = call.peerConnection?.getSenders().find((s) => s.track?.kind === kind);
      void sender?.replaceTrack(track);
    }
    this.applyQuality();
  }
}

/**
 * Runs `fn` once the call's senders are negotiated (signaling back to `stable`, before ICE connects) and again when
 * it connects: the cap then applies to the call's very first frames instead of a few seconds of full-size video,
 * and a new call's first frame comes out of a smaller encoder sooner.
 */
function watchConnected(call: MediaConnection, fn: () => void): void {
  const pc = call.peerConnection;
  if (!pc) return;
  const check = () => {
    if (pc.connectionState === 'connected') fn();
  };
  pc.addEventListener('connectionstatechange', check);
  pc.addEventListener('signalingstatechange', () => {
    if (pc.signalingState === 'stable') fn();
  });
  check();
}
