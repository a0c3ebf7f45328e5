/**
 * With a background effect on, the sent video track is the effect's output, not the camera. Everything that asks
 * "which camera is in use" must still get the camera's id: the device picker once read the output's settings
 * (a MediaStreamTrackGenerator names no camera), took the camera for unplugged and reopened it in a loop, so a
 * person who chose a blur before joining sent the call no frames (#14).
 */
import { LocalMedia, type FrameSize, type VideoProcessor } from '../../../../frontend/src/media/local-media';
import { encodingFor, videoCapFor } from '../../../../frontend/src/media/quality-policy';

class FakeTrack {
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(
    readonly kind: 'audio' | 'video',
    private readonly settings: MediaTrackSettings,
  ) {}
  getSettings(): MediaTrackSettings {
    return this.settings;
  }
  stop(): void {
    this.readyState = 'ended';
  }
}

class FakeStream {
  private tracks: FakeTrack[] = [];
  constructor(tracks: FakeTrack[] = []) {
    this.tracks = [...tracks];
  }
  getTracks = () => [...this.tracks];
  getAudioTracks = () => this.tracks.filter((t) => t.kind === 'audio');
  getVideoTracks = () => this.tracks.filter((t) => t.kind === 'video');
  addTrack = (t: FakeTrack) => void this.tracks.push(t);
  removeTrack = (t: FakeTrack) => void (this.tracks = this.tracks.filter((x) => x !== t));
}

/** An effect whose output, like a MediaStreamTrackGenerator's, carries a made-up device id of its own. */
class FakeEffect implements VideoProcessor {
  outputs = 0;
  outputSize: FrameSize | null = null;
  onResize: (() => void) | null = null;
  process(): MediaStreamTrack {
    this.outputs++;
    return new FakeTrack('video', { deviceId: `generated-${this.outputs}` }) as unknown as MediaStreamTrack;
  }
  release(): void {}
}

const g = globalThis as unknown as Record<string, unknown>;
const saved = { MediaStream: g.MediaStream, navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };

beforeAll(() => {
  g.MediaStream = FakeStream;
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      mediaDevices: {
        getUserMedia: async (c: MediaStreamConstraints) =>
          new FakeStream([
            c.audio
              ? new FakeTrack('audio', { deviceId: 'mic-1' })
              : new FakeTrack('video', { deviceId: 'cam-1', width: 1280, height: 720 }),
          ]),
      },
    },
  });
});

afterAll(() => {
  g.MediaStream = saved.MediaStream;
  if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
  else delete g.navigator;
});

describe('the device in use, with a background effect on', () => {
  it('is the camera, not the effect output that is sent', async () => {
    const local = new LocalMedia();
    const effect = new FakeEffect();
    // Chosen on the pre-join page, before the camera has even started.
    local.setVideoProcessor(effect);
    await local.start();
    expect(local.videoTrack?.getSettings().deviceId).toBe('generated-1');
    expect(local.deviceInUse('video')).toBe('cam-1');
    expect(local.deviceInUse('audio')).toBe('mic-1');
    expect(effect.outputs).toBe(1);
  });

  it('names no device when the camera could not be opened (a black placeholder is sent)', async () => {
    const local = new LocalMedia();
    local.hasCamera = false;
    expect(local.deviceInUse('video')).toBeUndefined();
  });
});

describe('the size the camera call sends, which the encoder cap scales from', () => {
  it('is the effect’s output when an effect is on, not the camera’s', async () => {
    const local = new LocalMedia();
    await local.start();
    expect(local.sentVideoSize).toEqual({ width: 1280, height: 720 });
    const effect = new FakeEffect();
    local.setVideoProcessor(effect);
    // Its output track says nothing of its size; until the effect knows, the sent track's (none) is all there is.
    expect(local.sentVideoSize).toBeUndefined();
    effect.outputSize = { width: 640, height: 360 };
    expect(local.sentVideoSize).toEqual({ width: 640, height: 360 });

    // Six people: the cap is 360 lines. The effect already sends 360, so the encoder must not halve it again.
    const cap = videoCapFor({ participants: 6, source: 'camera', audioOnly: false });
    expect(cap.maxHeight).toBe(360);
    expect(encodingFor(cap, local.sentVideoSize?.height).scaleResolutionDownBy).toBe(1);
    expect(encodingFor(cap, 720).scaleResolutionDownBy).toBe(2);

    local.setVideoProcessor(null);
    expect(local.sentVideoSize).toEqual({ width: 1280, height: 720 });
  });

  it('tells the mesh when the effect’s output changes size, and stops listening to an effect replaced', async () => {
    const local = new LocalMedia();
    await local.start();
    let told = 0;
    local.on('sentSizeChanged', () => told++);
    const first = new FakeEffect();
    local.setVideoProcessor(first);
    first.outputSize = { width: 960, height: 540 };
    first.onResize?.();
    expect(told).toBe(1);

    const second = new FakeEffect();
    local.setVideoProcessor(second);
    expect(first.onResize).toBeNull();
    second.outputSize = { width: 640, height: 360 };
    second.onResize?.();
    expect(told).toBe(2);
    expect(local.sentVideoSize).toEqual({ width: 640, height: 360 });
  });
});
