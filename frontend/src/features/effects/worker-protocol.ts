/*
 * Messages between the page and the effects worker. The worker owns everything per frame (segmentation and
 * compositing); the page only hands it the camera stream once and the settings when they change.
 */
import type { BlurStrength } from './effect-choice';

/** Same-origin, hashed URLs of the segmentation runtime and model (copied from @twilio/video-processors at build). */
export interface SegmenterAssets {
  loader: string;
  wasm: string;
  simdLoader: string;
  simdWasm: string;
  model: string;
}

export type WorkerEffect = { mode: 'blur'; strength: BlurStrength } | { mode: 'image'; image: ImageBitmap };

export type ToWorker =
  | { type: 'init'; assets: SegmenterAssets }
  | { type: 'effect'; effect: WorkerEffect }
  /** Insertable streams: the camera's frames in, the processed frames out. */
  | { type: 'stream'; readable: ReadableStream<VideoFrame>; writable: WritableStream<VideoFrame>; cameraFps: number }
  /**
   * Canvas fallback: the page's output canvas, then one camera picture at a time, transferred: a VideoFrame (the
   * worker reads its planes) or, in a browser without WebCodecs, an ImageBitmap.
   */
  | { type: 'canvas'; canvas: OffscreenCanvas; cameraFps: number }
  | { type: 'frame'; frame: VideoFrame | ImageBitmap };

export type FromWorker =
  | { type: 'ready'; simd: boolean }
  | { type: 'failed'; reason: string }
  /** Canvas fallback: the frame was drawn, send the next one. */
  | { type: 'drawn' }
  | { type: 'stats'; fps: number; busyMsPerFrame: number; level: number }
  /** The frames it sends changed size (a new camera, or the adaptive quality changed the width cap). */
  | { type: 'size'; width: number; height: number }
  /** The lowest quality level still fell behind: the page switches the effect off. */
  | { type: 'overloaded' };
