/**
 * The effects controller: what it applies to the camera and what it remembers on this device. The worker is a
 * stand-in (the real one runs in the meeting-effects e2e suite); here it only lets a test say what the real worker
 * says when the machine cannot keep up or the segmenter cannot load.
 */
import { CHOICE_KEY, type KeyValueStore } from '../../../../frontend/src/features/effects/effect-choice';
import { EffectsController } from '../../../../frontend/src/features/effects/effects-controller';
import type { EffectsManifest } from '../../../../frontend/src/features/effects/effects-assets';
import type { LocalMedia } from '../../../../frontend/src/media/local-media';

class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  readonly sent: unknown[] = [];
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message: unknown): void {
    this.sent.push(message);
  }
  terminate(): void {}
  say(data: unknown): void {
    this.onmessage?.({ data });
  }
}

const MANIFEST: EffectsManifest = {
  worker: '/effects-worker.js',
  segmenter: {} as EffectsManifest['segmenter'],
  backgrounds: [{ id: 'studio', label: 'Studio', url: '/backgrounds/studio.jpg' }],
};

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function fakeCamera() {
  const processors: unknown[] = [];
  const local = { setVideoProcessor: (p: unknown) => processors.push(p) } as unknown as LocalMedia;
  return { local, processors };
}

const g = globalThis as Record<string, unknown>;
const saved = { Worker: g.Worker, OffscreenCanvas: g.OffscreenCanvas, createImageBitmap: g.createImageBitmap };

beforeEach(() => {
  g.Worker = FakeWorker;
  g.OffscreenCanvas = class {};
  g.createImageBitmap = async () => ({});
  FakeWorker.last = null;
});

afterEach(() => Object.assign(g, saved));

describe('effects controller', () => {
  it('applies and remembers what the person chooses', async () => {
    const store = memoryStore();
    const { local, processors } = fakeCamera();
    const controller = new EffectsController(local, store, MANIFEST);

    await controller.choose({ kind: 'blur', strength: 'strong' });

    expect(controller.choice).toEqual({ kind: 'blur', strength: 'strong' });
    expect(JSON.parse(store.data.get(CHOICE_KEY)!)).toEqual({ kind: 'blur', strength: 'strong' });
    expect(processors).toHaveLength(1);
    expect(FakeWorker.last!.sent).toContainEqual({ type: 'effect', effect: { mode: 'blur', strength: 'strong' } });
  });

  it('turns the effect off when the device cannot keep up, says why, and keeps the choice for next time', async () => {
    const store = memoryStore();
    const { local, processors } = fakeCamera();
    const controller = new EffectsController(local, store, MANIFEST);
    const notices: string[] = [];
    controller.on('notice', (text) => notices.push(text));
    await controller.choose({ kind: 'blur', strength: 'strong' });

    FakeWorker.last!.say({ type: 'overloaded' });

    expect(controller.choice).toEqual({ kind: 'none' });
    expect(processors.at(-1)).toBeNull(); // the raw camera is sent again
    expect(notices).toEqual(['Background effect turned off: this device could not keep up with the video.']);
    // A busy moment does not erase the person's choice: a new page on this device starts with it again.
    const next = new EffectsController(fakeCamera().local, store, MANIFEST);
    expect(next.choice).toEqual({ kind: 'blur', strength: 'strong' });
  });

  it('keeps the choice when the segmenter cannot start, and says why', async () => {
    const store = memoryStore();
    const controller = new EffectsController(fakeCamera().local, store, MANIFEST);
    const notices: string[] = [];
    controller.on('notice', (text) => notices.push(text));
    await controller.choose({ kind: 'image', id: 'studio' }).catch(() => undefined);
    await controller.choose({ kind: 'blur', strength: 'light' });

    FakeWorker.last!.say({ type: 'failed', reason: 'the model did not load' });

    expect(controller.choice).toEqual({ kind: 'none' });
    expect(notices.at(-1)).toBe('Background effect turned off: it could not start (the model did not load).');
    expect(JSON.parse(store.data.get(CHOICE_KEY)!)).toEqual({ kind: 'blur', strength: 'light' });
  });

  it('choosing none is remembered as none', async () => {
    const store = memoryStore();
    const controller = new EffectsController(fakeCamera().local, store, MANIFEST);
    await controller.choose({ kind: 'blur', strength: 'light' });
    await controller.choose({ kind: 'none' });
    expect(JSON.parse(store.data.get(CHOICE_KEY)!)).toEqual({ kind: 'none' });
    expect(new EffectsController(fakeCamera().local, store, MANIFEST).choice).toEqual({ kind: 'none' });
  });
});
