/*
 * One controller per LocalMedia (so the pre-join page and the meeting share it): applies the person's background
 * choice to the sent camera, remembers it on this device, and switches the effect off, saying why, when the
 * machine cannot keep up or the segmenter cannot load.
 */
import type { LocalMedia } from '../../media/local-media';
import { Emitter } from '../../net/emitter';
import {
  NO_EFFECT,
  choiceKey,
  loadChoice,
  loadCustomImage,
  saveChoice,
  saveCustomImage,
  type EffectChoice,
  type KeyValueStore,
} from './effect-choice';
import { EFFECTS_MANIFEST, type EffectsManifest } from './effects-assets';
import { EffectPipeline, effectsSupported } from './effect-pipeline';
import type { WorkerEffect } from './worker-protocol';

export interface EffectsEvents {
  changed: () => void;
  /** Something the person should be told (effect turned off, image refused). */
  notice: (text: string) => void;
}

/** The custom image is kept at most this size (a JPEG in localStorage stays around 100–200 KB). */
const CUSTOM_MAX = { width: 1280, height: 720 };

export class EffectsController extends Emitter<EffectsEvents> {
  private current: EffectChoice;
  private pipeline: EffectPipeline | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly local: LocalMedia,
    private readonly store: KeyValueStore,
    readonly manifest: EffectsManifest | null = EFFECTS_MANIFEST,
  ) {
    super();
    this.current = this.available ? loadChoice(store, this.builtIns) : NO_EFFECT;
    if (this.current.kind !== 'none') void this.apply(this.current);
  }

  get available(): boolean {
    return this.manifest !== null && effectsSupported();
  }

  get choice(): EffectChoice {
    return this.current;
  }

  get hasCustomImage(): boolean {
    return loadCustomImage(this.store) !== null;
  }

  private get builtIns(): string[] {
    return this.manifest?.backgrounds.map((b) => b.id) ?? [];
  }

  /** Applies and remembers `choice`; changes are serialised so a fast series of clicks ends on the last one. */
  choose(choice: EffectChoice): Promise<void> {
    this.current = choice;
    saveChoice(this.store, choice);
    this.emit('changed');
    return this.apply(choice);
  }

  /** Keeps the person's own image in this browser (scaled down) and switches to it. */
  async useCustomImage(file: Blob): Promise<void> {
    let dataUrl: string;
    try {
      dataUrl = await shrinkToDataUrl(file);
    } catch {
      this.emit('notice', 'That file could not be read as an image.');
      return;
    }
    if (!saveCustomImage(this.store, dataUrl)) {
      this.emit('notice', 'This browser has no room to keep that image; try a smaller one.');
      return;
    }
    await this.choose({ kind: 'image', id: 'custom' });
  }

  dispose(): void {
    this.local.setVideoProcessor(null);
    this.pipeline = null;
  }

  private apply(choice: EffectChoice): Promise<void> {
    this.applying = this.applying
      .then(() => this.applyNow(choice))
      .catch((err: unknown) => {
        this.turnOff(`Background effect turned off: ${err instanceof Error ? err.message : String(err)}`);
      });
    return this.applying;
  }

  private async applyNow(choice: EffectChoice): Promise<void> {
    if (choiceKey(choice) !== choiceKey(this.current)) return; // a later choice is already queued
    if (choice.kind === 'none' || !this.manifest || !this.available) {
      this.local.setVideoProcessor(null);
      this.pipeline = null;
      return;
    }
    const effect = await this.workerEffect(choice, this.manifest);
    if (choiceKey(choice) !== choiceKey(this.current)) {
      if (effect.mode === 'image') effect.image.close();
      return;
    }
    if (!this.pipeline) {
      const pipeline: EffectPipeline = new EffectPipeline(this.manifest, {
        overloaded: () =>
          pipeline === this.pipeline &&
          this.turnOff('Background effect turned off: this device could not keep up with the video.'),
        failed: (reason) =>
          pipeline === this.pipeline && this.turnOff(`Background effect turned off: it could not start (${reason}).`),
      });
      this.pipeline = pipeline;
      pipeline.setEffect(effect);
      this.local.setVideoProcessor(pipeline);
    } else {
      this.pipeline.setEffect(effect);
    }
  }

  /**
   * Switches the effect off for now. What the person chose stays remembered: a busy moment (a build, another tab,
   * a long meeting on battery) must not erase their choice, and the next pre-join page offers it again, showing
   * the notice again if this device still cannot keep up.
   */
  private turnOff(notice: string): void {
    this.local.setVideoProcessor(null);
    this.pipeline = null;
    this.current = NO_EFFECT;
    this.emit('changed');
    this.emit('notice', notice);
  }

  private async workerEffect(choice: EffectChoice, manifest: EffectsManifest): Promise<WorkerEffect> {
    if (choice.kind === 'blur') return { mode: 'blur', strength: choice.strength };
    if (choice.kind !== 'image') throw new Error('no effect to apply');
    const url =
      choice.id === 'custom'
        ? loadCustomImage(this.store)
        : (manifest.backgrounds.find((b) => b.id === choice.id)?.url ?? null);
    if (!url) throw new Error('the background image is missing');
    return { mode: 'image', image: await imageBitmap(url) };
  }
}

/** Decodes an image URL (same-origin file or data: URL) into an ImageBitmap the worker can draw. */
async function imageBitmap(url: string): Promise<ImageBitmap> {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  await img.decode();
  // SVGs have no bitmap of their own: rasterise on a canvas first (workers cannot decode SVG).
  const width = img.naturalWidth || CUSTOM_MAX.width;
  const height = img.naturalHeight || CUSTOM_MAX.height;
  const canvas = Object.assign(document.createElement('canvas'), { width, height });
  canvas.getContext('2d')!.drawImage(img, 0, 0, width, height);
  return createImageBitmap(canvas);
}

async function shrinkToDataUrl(file: Blob): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, CUSTOM_MAX.width / bitmap.width, CUSTOM_MAX.height / bitmap.height);
  const canvas = Object.assign(document.createElement('canvas'), {
    width: Math.max(1, Math.round(bitmap.width * scale)),
    height: Math.max(1, Math.round(bitmap.height * scale)),
  });
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL('image/jpeg', 0.85);
}

const controllers = new WeakMap<LocalMedia, EffectsController>();

/** The controller for this camera, made on first use (restoring the choice remembered on this device). */
export function effectsFor(local: LocalMedia): EffectsController {
  let controller = controllers.get(local);
  if (!controller) {
    controller = new EffectsController(local, window.localStorage);
    controllers.set(local, controller);
  }
  return controller;
}
