/*
 * The local camera and microphone. The outgoing stream always holds exactly one audio and one video track, even
 * with no camera or mic (a silent/black placeholder), because PeerJS cannot renegotiate: a track missing from the
 * first offer could never be added later. Devices are switched with replaceTrack on the existing senders.
 */
import { Emitter } from '../net/emitter';

export interface LocalMediaEvents {
  /** A track was swapped (device change): every peer connection must replaceTrack. */
  trackReplaced: (kind: 'audio' | 'video', track: MediaStreamTrack) => void;
  changed: () => void;
  /** The sent video's frame size changed without a new track (an effect lowered its resolution): re-cap senders. */
  sentSizeChanged: () => void;
}

export interface FrameSize {
  width: number;
  height: number;
}

/**
 * Turns the camera track into the one that is sent (background effects, features/effects). `process` may be called
 * again with a new camera (device switch) and then replaces its previous output; `release` stops its outputs.
 */
export interface VideoProcessor {
  process(camera: MediaStreamTrack): MediaStreamTrack;
  release(): void;
  /**
   * The size of the frames it sends now, when known: an effect may send a smaller picture than the camera gives,
   * and its output track's settings need not say so.
   */
  readonly outputSize?: FrameSize | null;
  /** Set by LocalMedia: the processor calls it when outputSize changes. */
  onResize?: (() => void) | null;
}

export interface DeviceChoice {
  audioDeviceId?: string;
  videoDeviceId?: string;
}

export class LocalMedia extends Emitter<LocalMediaEvents> {
  readonly stream = new MediaStream();
  private micOn = true;
  private camOn = true;
  hasCamera = false;
  hasMic = false;
  lastError: string | null = null;
  private placeholderCanvas: HTMLCanvasElement | null = null;
  /** The camera's own track; the stream holds it, or the processor's output made from it. */
  private camera: MediaStreamTrack | undefined;
  private processor: VideoProcessor | null = null;

  get audioTrack(): MediaStreamTrack | undefined {
    return this.stream.getAudioTracks()[0];
  }

  get videoTrack(): MediaStreamTrack | undefined {
    return this.stream.getVideoTracks()[0];
  }

  get mic(): boolean {
    return this.micOn && this.hasMic;
  }

  get cam(): boolean {
    return this.camOn && this.hasCamera;
  }

  async start(choice: DeviceChoice = {}): Promise<void> {
    const audio = await this.acquire('audio', choice.audioDeviceId);
    const video = await this.acquire('video', choice.videoDeviceId);
    this.install('audio', audio);
    this.install('video', video);
    this.emit('changed');
  }

  /** Sets (never toggles) the microphone; the track stays so the sender keeps its slot. */
  setMic(on: boolean): void {
    this.micOn = on;
    if (this.audioTrack) this.audioTrack.enabled = on && this.hasMic;
    this.emit('changed');
  }

  setCam(on: boolean): void {
    this.camOn = on;
    if (this.videoTrack) this.videoTrack.enabled = on && this.hasCamera;
    if (this.camera) this.camera.enabled = on && this.hasCamera;
    this.emit('changed');
  }

  /**
   * The id of the device in use. For video it is read from the camera itself: with a background effect on, the
   * sent track is the effect's output (a MediaStreamTrackGenerator), whose settings name no camera, and treating
   * that as "the camera was unplugged" reopened the camera in a loop and starved the call of frames.
   */
  deviceInUse(kind: 'audio' | 'video'): string | undefined {
    const track =
      kind === 'audio' ? (this.hasMic ? this.audioTrack : undefined) : this.hasCamera ? this.camera : undefined;
    return track?.getSettings().deviceId;
  }

  /** The raw camera track (never the processed one): what a preview of "no effect" shows. */
  get cameraTrack(): MediaStreamTrack | undefined {
    return this.camera;
  }

  /**
   * Sends the camera through `processor` (null: the raw camera again). The swap goes through replaceTrack on the
   * existing senders, so the call never renegotiates. A missing camera (black placeholder) is never processed.
   */
  setVideoProcessor(processor: VideoProcessor | null): void {
    if (this.processor === processor) return;
    const previous = this.processor;
    if (previous) previous.onResize = null;
    this.processor = processor;
    if (processor) processor.onResize = () => this.processor === processor && this.emit('sentSizeChanged');
    this.sendVideo();
    previous?.release();
  }

  /**
   * The size of the video frames the camera call sends: the effect's output when an effect processes the camera
   * (it may be smaller than the camera's), else the sent track's own. The encoder cap (quality-policy.ts) scales
   * from this: scaling from the camera's size would shrink an already smaller effect output a second time.
   */
  get sentVideoSize(): FrameSize | undefined {
    if (this.processor && this.hasCamera && this.processor.outputSize) return this.processor.outputSize;
    const settings = this.videoTrack?.getSettings();
    return settings?.width && settings.height ? { width: settings.width, height: settings.height } : undefined;
  }

  /**
   * Switches to another camera or microphone; the senders swap tracks (no renegotiation). Throws when the device
   * cannot be opened, and then keeps the track in use: a failed switch must not blank a working camera mid-call.
   */
  async useDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const track = await this.open(kind, deviceId);
    if (kind === 'audio') this.hasMic = true;
    else this.hasCamera = true;
    this.lastError = null;
    this.install(kind, track);
    this.emit('changed');
  }

  stop(): void {
    this.processor?.release();
    this.processor = null;
    for (const t of this.stream.getTracks()) t.stop();
    this.camera?.stop();
  }

  private async acquire(kind: 'audio' | 'video', deviceId?: string): Promise<MediaStreamTrack> {
    try {
      const track = await this.open(kind, deviceId);
      if (kind === 'audio') this.hasMic = true;
      else this.hasCamera = true;
      return track;
    } catch (err) {
      this.lastError = `${kind === 'audio' ? 'Microphone' : 'Camera'} unavailable: ${(err as Error).message}`;
      if (kind === 'audio') this.hasMic = false;
      else this.hasCamera = false;
      return kind === 'audio' ? silentTrack() : this.blackTrack();
    }
  }

  private async open(kind: 'audio' | 'video', deviceId?: string): Promise<MediaStreamTrack> {
    const constraints: MediaStreamConstraints =
      kind === 'audio'
        ? {
            audio: {
              ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
              echoCancellation: true,
              noiseSuppression: true,
            },
          }
        : {
            video: {
              ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
              width: { ideal: 1280 },
              height: { ideal: 720 },
              frameRate: { ideal: 30, max: 30 },
            },
          };
    const got = await navigator.mediaDevices.getUserMedia(constraints);
    const track = kind === 'audio' ? got.getAudioTracks()[0] : got.getVideoTracks()[0];
    if (!track) throw new Error(`no ${kind} track`);
    return track;
  }

  private install(kind: 'audio' | 'video', track: MediaStreamTrack): void {
    if (kind === 'video') {
      const oldCamera = this.camera;
      if (oldCamera === track) return;
      this.camera = track;
      track.enabled = this.camOn && this.hasCamera;
      this.sendVideo();
      oldCamera?.stop();
      return;
    }
    const old = kind === 'audio' ? this.audioTrack : this.videoTrack;
    if (old === track) return;
    track.enabled = kind === 'audio' ? this.micOn && this.hasMic : this.camOn && this.hasCamera;
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    if (old) this.emit('trackReplaced', kind, track);
  }

  /** Puts the camera (processed when a processor is set and there is a camera) into the sent stream. */
  private sendVideo(): void {
    if (!this.camera) return;
    const out = this.processor && this.hasCamera ? this.processor.process(this.camera) : this.camera;
    const old = this.videoTrack;
    if (old === out) return;
    out.enabled = this.camOn && this.hasCamera;
    if (old) this.stream.removeTrack(old);
    this.stream.addTrack(out);
    if (old) this.emit('trackReplaced', 'video', out);
  }

  private blackTrack(): MediaStreamTrack {
    this.placeholderCanvas ??= Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
    const ctx = this.placeholderCanvas.getContext('2d');
    if (ctx) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, 640, 360);
    }
    return this.placeholderCanvas.captureStream(1).getVideoTracks()[0]!;
  }
}

function silentTrack(): MediaStreamTrack {
  const ctx = new AudioContext();
  const dest = ctx.createMediaStreamDestination();
  return dest.stream.getAudioTracks()[0]!;
}

export async function listDevices(): Promise<{ audio: MediaDeviceInfo[]; video: MediaDeviceInfo[] }> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    audio: devices.filter((d) => d.kind === 'audioinput'),
    video: devices.filter((d) => d.kind === 'videoinput'),
  };
}

export async function captureScreen(): Promise<MediaStream> {
  return navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
}
