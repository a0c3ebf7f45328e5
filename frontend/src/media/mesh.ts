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
import { isLiveCall, PARK_DECISION_MS, parkedFate, planCameraCalls } from './mesh-plan';
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

export interface MeshOptions {
  gate?: CallGateOptions;
  /**
   * Whether `peerId`, no longer in our roster, is present in another breakout room (the breakout state says so):
   * their call stays parked (mesh-plan.ts). Without it every dropped call closes.
   */
  elsewhere?: (peerId: string) => boolean;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

/** A call silenced while its peer is in another breakout room, and the senders that sent our media on it. */
interface Parked {
  call: MediaConnection;
  since: number;
  silenced: { sender: RTCRtpSender; kind: string }[];
}

export class Mesh extends Emitter<MeshEvents> {
  private readonly camera = new Map<string, MediaConnection>();
  private readonly screenOut = new Map<string, MediaConnection>();
  private readonly screenIn = new Map<string, MediaConnection>();
  private readonly parked = new Map<string, Parked>();
  private screenStream: MediaStream | null = null;
  private participants = 1;
  private audioOnly = false;
  private readonly gate: CallGate;
  private readonly elsewhere: (peerId: string) => boolean;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private lastRoster = new Set<string>();

  /**
   * @param admits whether the current roster shows `peerId` (sharing, for a screen call): only such calls are
   *   answered (call-gate.ts)
   */
  constructor(
    private readonly signaling: Signaling,
    private readonly local: LocalMedia,
    admits: (peerId: string, kind: StreamKind) => boolean,
    options: MeshOptions = {},
  ) {
    super();
    this.gate = new CallGate(admits, options.gate);
    this.elsewhere = options.elsewhere ?? (() => false);
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
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
    this.lastRoster = new Set(roster.map((p) => p.peerId));
    // Resume the parked calls of people back in our room before planning: they need no new call.
    this.reviewParked();
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
    for (const peerId of plan.drop) {
      if (!this.park(peerId)) this.drop(peerId);
    }
    this.applyQuality();
  }

  /**
   * Decides each parked call again (mesh-plan.ts parkedFate): resumed when its peer is back in the last roster,
   * kept while the breakout state shows them in another room, closed otherwise. Run on every roster and every
   * breakout state change, and once the decision time of a new parked call has passed.
   */
  reviewParked(): void {
    for (const [peerId, parked] of [...this.parked]) {
      const fate = parkedFate({
        state: parked.call.peerConnection?.connectionState,
        inRoster: this.lastRoster.has(peerId),
        elsewhere: this.elsewhere(peerId),
        parkedForMs: this.now() - parked.since,
      });
      if (fate === 'resume') this.resume(peerId, parked);
      else if (fate === 'close') this.closeParked(peerId);
    }
  }

  /** Closes the parked call to `peerId`, if any (its stream already ended when it was parked). */
  private closeParked(peerId: string): void {
    const parked = this.parked.get(peerId);
    this.parked.delete(peerId);
    parked?.call.close();
  }

  /** Whether the camera call to `peerId` is parked (its peer is in another breakout room). */
  isParked(peerId: string): boolean {
    return this.parked.has(peerId);
  }

  /**
   * Parks the live camera call to a peer the roster no longer shows: our senders stop (no renegotiation), its
   * stream ends for the page, and its screen calls close. False when there is no call that carried media to keep.
   */
  private park(peerId: string): boolean {
    const call = this.camera.get(peerId);
    const pc = call?.peerConnection;
    if (!call || !pc || !call.open || !isAlive(call)) return false;
    this.camera.delete(peerId);
    const silenced: Parked['silenced'] = [];
    for (const transceiver of pc.getTransceivers()) {
      const { sender } = transceiver;
      if (!sender.track) continue;
      silenced.push({ sender, kind: sender.track.kind });
      void sender.replaceTrack(null).catch(() => call.close());
    }
    this.parked.set(peerId, { call, since: this.now(), silenced });
    for (const map of [this.screenOut, this.screenIn]) {
      const screen = map.get(peerId);
      map.delete(peerId);
      screen?.close();
    }
    this.emit('streamEnded', peerId, 'camera');
    this.emit('streamEnded', peerId, 'screen');
    this.setTimer(() => this.reviewParked(), PARK_DECISION_MS + 100);
    return true;
  }

  /** The peer is back in our room: our current tracks go out on the parked call again and its stream is shown. */
  private resume(peerId: string, parked: Parked): void {
    this.parked.delete(peerId);
    const { call } = parked;
    this.camera.set(peerId, call);
    for (const { sender, kind } of parked.silenced) {
      const track = this.local.stream.getTracks().find((t) => t.kind === kind) ?? null;
      // Capped once the track is on: a sender shows its new track only when replaceTrack resolves, and until then
      // the cap found no video sender on this call. The room may have grown or shrunk while it was parked.
      void sender
        .replaceTrack(track)
        .then(() => (kind === 'video' ? this.capSender(call, 'camera') : undefined))
        .catch(() => call.close());
    }
    if (call.remoteStream) this.emit('stream', peerId, 'camera', call.remoteStream);
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
    this.closeParked(peerId);
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
    for (const { call } of this.parked.values()) call.close();
    this.parked.clear();
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
    // A new camera call from a peer we had parked (their page reloaded meanwhile) replaces the parked one.
    if (kind === 'camera' && this.parked.has(peerId)) this.closeParked(peerId);
    call.on('stream', (stream) => {
      if (map.get(peerId) === call) this.emit('stream', peerId, kind, stream);
    });
    call.on('close', () => {
      if (kind === 'camera' && this.parked.get(peerId)?.call === call) this.parked.delete(peerId);
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
