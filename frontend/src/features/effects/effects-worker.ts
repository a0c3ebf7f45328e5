/*
 * The effects worker (a classic worker: the segmentation runtime is an Emscripten script loaded with
 * importScripts). Per frame: sample the model's 256×144 input from the frame's own YUV planes (frame-pixels.ts;
 * a canvas draw and read-back only for formats it does not know), run the selfie-segmentation model every Nth
 * frame, then composite person-over-background on OffscreenCanvases. The page's main thread does none of this.
 */
import { INITIAL_POLICY, levelAt, nextPolicy, targetFps, type PolicyState } from './adaptive-policy';
import { copyFramePixels, writeModelInputFromPixels, type FramePixels } from './frame-pixels';
import { BLUR_DOWNSCALE, blurRadius, coverRect, scaledSize, writeMaskAlpha, writeModelInput } from './mask-compositing';
import type { FromWorker, SegmenterAssets, ToWorker, WorkerEffect } from './worker-protocol';

interface TFLiteModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  _getModelBufferMemoryOffset(): number;
  _loadModel(size: number): number;
  _getInputMemoryOffset(): number;
  _getInputWidth(): number;
  _getInputHeight(): number;
  _getOutputMemoryOffset(): number;
  _runInference(): void;
}

type ModuleFactory = (options: { locateFile: (path: string) => string }) => Promise<TFLiteModule>;

interface WorkerScope {
  importScripts(...urls: string[]): void;
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  createTwilioTFLiteModule?: ModuleFactory;
  createTwilioTFLiteSIMDModule?: ModuleFactory;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker) => scope.postMessage(message);

let tflite: TFLiteModule | null = null;
let effect: WorkerEffect | null = null;
let policy: PolicyState = INITIAL_POLICY;
let cameraFps = 30;
let frameIndex = 0;
let streamGeneration = 0;
let fallbackCanvas: OffscreenCanvas | null = null;

// Canvases reused across frames: the model input, the mask (at model size), the person layer, the blurred copy.
let segCanvas: OffscreenCanvas | null = null;
let maskCanvas: OffscreenCanvas | null = null;
let maskImage: ImageData | null = null;
let hasMask = false;
let personCanvas: OffscreenCanvas | null = null;
let blurCanvas: OffscreenCanvas | null = null;
let outCanvas: OffscreenCanvas | null = null;
/** The size of the frames sent last, so the page hears of each change once (it caps the encoder by it). */
let sentSize = { width: 0, height: 0 };
/** Where a frame's planes are copied for sampling; grown to the largest frame seen. */
const scratch = { buffer: new Uint8Array(0) };

let windowStart = performance.now();
let windowFrames = 0;
let windowBusy = 0;
/** The first window includes the model warming up; it says nothing about keeping up. */
let warmWindows = 1;

async function init(assets: SegmenterAssets): Promise<void> {
  const simd = await loadModule(assets.simdLoader, assets.simdWasm, 'createTwilioTFLiteSIMDModule').catch(() => null);
  const module = simd ?? (await loadModule(assets.loader, assets.wasm, 'createTwilioTFLiteModule'));
  const model = await (await fetch(assets.model)).arrayBuffer();
  module.HEAPU8.set(new Uint8Array(model), module._getModelBufferMemoryOffset());
  module._loadModel(model.byteLength);
  const width = module._getInputWidth();
  const height = module._getInputHeight();
  segCanvas = new OffscreenCanvas(width, height);
  maskCanvas = new OffscreenCanvas(width, height);
  maskImage = new ImageData(width, height);
  // Only now: frames until here pass through unprocessed.
  tflite = module;
  post({ type: 'ready', simd: simd !== null });
}

async function loadModule(
  loader: string,
  wasm: string,
  name: 'createTwilioTFLiteModule' | 'createTwilioTFLiteSIMDModule',
): Promise<TFLiteModule> {
  scope.importScripts(loader);
  const factory = scope[name];
  if (!factory) throw new Error(`${name} missing after loading ${loader}`);
  // The hashed .wasm name differs from the one the loader would guess next to itself.
  return factory({ locateFile: () => wasm });
}

function context(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context in the worker');
  return ctx;
}

function sized(canvas: OffscreenCanvas | null, width: number, height: number): OffscreenCanvas {
  if (!canvas) return new OffscreenCanvas(width, height);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return canvas;
}

/** Segments from the frame's copied planes when there are some, else from a canvas picture of it. */
function segment(source: CanvasImageSource, framePixels: FramePixels | null): void {
  if (!tflite || !segCanvas || !maskCanvas || !maskImage) return;
  const { width, height } = segCanvas;
  const pixels = width * height;
  const input = tflite._getInputMemoryOffset() / 4;
  if (framePixels) {
    writeModelInputFromPixels(framePixels, tflite.HEAPF32, input, width, height);
  } else {
    const seg = context(segCanvas);
    seg.drawImage(source, 0, 0, width, height);
    writeModelInput(seg.getImageData(0, 0, width, height).data, tflite.HEAPF32, input, pixels);
  }
  tflite._runInference();
  const out = tflite._getOutputMemoryOffset() / 4;
  writeMaskAlpha(tflite.HEAPF32.subarray(out, out + pixels), maskImage.data);
  context(maskCanvas).putImageData(maskImage, 0, 0);
  hasMask = true;
}

/**
 * Draws the processed picture of `source` (width×height) into `target`, which is resized to the output size.
 * The camera frame is converted once (into the person layer) and every other step reads that canvas: converting
 * a VideoFrame (YUV) is the costly part of a draw.
 */
function composite(
  source: CanvasImageSource,
  width: number,
  height: number,
  target: OffscreenCanvas,
  framePixels: FramePixels | null,
): void {
  const level = levelAt(policy.level);
  const size = scaledSize(width, height, level.maxWidth);
  sized(target, size.width, size.height);
  if (size.width !== sentSize.width || size.height !== sentSize.height) {
    sentSize = size;
    post({ type: 'size', ...size });
  }
  const out = context(target);
  if (!effect || !tflite) {
    out.globalCompositeOperation = 'copy';
    out.drawImage(source, 0, 0, size.width, size.height);
    return;
  }
  personCanvas = sized(personCanvas, size.width, size.height);
  const person = context(personCanvas);
  person.globalCompositeOperation = 'copy';
  person.drawImage(source, 0, 0, size.width, size.height);

  if (segmentsNow()) segment(personCanvas, framePixels);
  frameIndex++;

  out.globalCompositeOperation = 'copy';
  if (effect.mode === 'blur') {
    const small = scaledSize(size.width, size.height, Math.round(size.width / BLUR_DOWNSCALE));
    blurCanvas = sized(blurCanvas, small.width, small.height);
    const blur = context(blurCanvas);
    blur.filter = `blur(${blurRadius(effect.strength, size.width)}px)`;
    blur.drawImage(personCanvas, 0, 0, small.width, small.height);
    out.drawImage(blurCanvas, 0, 0, size.width, size.height);
  } else {
    out.drawImage(backgroundAt(effect.image, size.width, size.height), 0, 0);
  }

  person.globalCompositeOperation = 'destination-in';
  person.imageSmoothingEnabled = true;
  person.drawImage(maskCanvas!, 0, 0, size.width, size.height);
  out.globalCompositeOperation = 'source-over';
  out.drawImage(personCanvas, 0, 0);
}

/** The background image scaled to cover the output once, not on every frame. */
let background: { image: ImageBitmap; canvas: OffscreenCanvas } | null = null;
function backgroundAt(image: ImageBitmap, width: number, height: number): OffscreenCanvas {
  if (background?.image === image && background.canvas.width === width && background.canvas.height === height) {
    return background.canvas;
  }
  const canvas = background?.canvas ? sized(background.canvas, width, height) : new OffscreenCanvas(width, height);
  const r = coverRect(image.width, image.height, width, height);
  const ctx = context(canvas);
  ctx.globalCompositeOperation = 'copy';
  ctx.drawImage(image, r.x, r.y, r.width, r.height);
  background = { image, canvas };
  return canvas;
}

/** Browsers without WebCodecs have no VideoFrame at all (the canvas fallback then sends ImageBitmaps). */
function isVideoFrame(source: unknown): source is VideoFrame {
  return typeof VideoFrame !== 'undefined' && source instanceof VideoFrame;
}

/** Whether the frame about to be composited gets a fresh mask (the others reuse the last one). */
function segmentsNow(): boolean {
  return !hasMask || frameIndex % levelAt(policy.level).segmentEvery === 0;
}

/**
 * Processes one camera frame into `target`. A frame that cannot be processed ends the effect (the page is told)
 * rather than the video.
 */
async function processFrame(
  source: VideoFrame | ImageBitmap,
  width: number,
  height: number,
  target: OffscreenCanvas,
): Promise<void> {
  const framePixels =
    effect && tflite && segmentsNow() && isVideoFrame(source)
      ? await copyFramePixels(source, scratch).catch(() => null)
      : null;
  try {
    composite(source, width, height, target, framePixels);
  } catch (err) {
    effect = null;
    post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    composite(source, width, height, target, null);
  }
}

function account(busyMs: number): void {
  windowFrames++;
  windowBusy += busyMs;
  const now = performance.now();
  const elapsedMs = now - windowStart;
  if (elapsedMs < 1000) return;
  const stats = { frames: windowFrames, busyMs: windowBusy, elapsedMs, cameraFps };
  windowStart = now;
  windowFrames = 0;
  windowBusy = 0;
  post({
    type: 'stats',
    fps: (stats.frames * 1000) / elapsedMs,
    busyMsPerFrame: stats.frames ? stats.busyMs / stats.frames : 0,
    level: policy.level,
  });
  if (!effect || !tflite) return;
  if (warmWindows > 0) {
    warmWindows--;
    return;
  }
  const decision = nextPolicy(policy, stats);
  if (decision.action === 'off') {
    effect = null;
    post({ type: 'overloaded' });
    return;
  }
  if (decision.state.level !== policy.level) hasMask = false;
  policy = decision.state;
}

async function pump(readable: ReadableStream<VideoFrame>, writable: WritableStream<VideoFrame>): Promise<void> {
  const generation = ++streamGeneration;
  const reader = readable.getReader();
  const writer = writable.getWriter();
  outCanvas ??= new OffscreenCanvas(2, 2);
  try {
    for (;;) {
      const { value: frame, done } = await reader.read();
      if (done || generation !== streamGeneration) {
        frame?.close();
        break;
      }
      const started = performance.now();
      let output: VideoFrame;
      try {
        await processFrame(frame, frame.displayWidth, frame.displayHeight, outCanvas);
        output = new VideoFrame(outCanvas, { timestamp: frame.timestamp });
      } finally {
        frame.close();
      }
      account(performance.now() - started);
      await writer.write(output);
    }
  } catch {
    // The page stopped the output track or switched cameras: this stream is over.
  } finally {
    void reader.cancel().catch(() => undefined);
    void writer.close().catch(() => undefined);
  }
}

/** Canvas fallback: one camera picture from the page (a VideoFrame, or an ImageBitmap where there are none). */
async function drawFallbackFrame(frame: VideoFrame | ImageBitmap): Promise<void> {
  const started = performance.now();
  try {
    const width = isVideoFrame(frame) ? frame.displayWidth : frame.width;
    const height = isVideoFrame(frame) ? frame.displayHeight : frame.height;
    if (fallbackCanvas) await processFrame(frame, width, height, fallbackCanvas);
  } finally {
    frame.close();
    account(performance.now() - started);
    post({ type: 'drawn' });
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      init(message.assets).catch((err: unknown) =>
        post({ type: 'failed', reason: err instanceof Error ? err.message : String(err) }),
      );
      break;
    case 'effect':
      if (effect?.mode === 'image' && effect.image !== (message.effect.mode === 'image' ? message.effect.image : null))
        effect.image.close();
      effect = message.effect;
      policy = INITIAL_POLICY;
      warmWindows = 1;
      break;
    case 'stream':
      cameraFps = targetFps(message.cameraFps);
      void pump(message.readable, message.writable);
      break;
    case 'canvas':
      cameraFps = targetFps(message.cameraFps);
      fallbackCanvas = message.canvas;
      break;
    case 'frame':
      void drawFallbackFrame(message.frame);
      break;
  }
};
