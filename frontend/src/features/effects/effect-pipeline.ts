/*
 * The page's side of the effects worker: hands it the camera and returns the processed track that LocalMedia
 * sends. With insertable streams (MediaStreamTrackProcessor/Generator, Chromium) the frames go from camera to
 * worker to output without touching the main thread. Elsewhere the page hands the worker each camera picture
 * (one in flight at a time) as a VideoFrame made from a <video> of the camera, which wraps the decoded picture
 * without drawing or converting it (an ImageBitmap where WebCodecs is missing), and the worker paints an
 * OffscreenCanvas whose captureStream is the output.
 */
import type { FrameSize, VideoProcessor } from '../../media/local-media';
import { levelAt } from './adaptive-policy';
import { scaledSize } from './mask-compositing';
import type { EffectsManifest } from './effects-assets';
import type { FromWorker, ToWorker, WorkerEffect } from './worker-protocol';

interface TrackProcessorCtor {
  new (init: { track: MediaStreamTrack }): { readable: ReadableStream<VideoFrame> };
}
interface TrackGeneratorCtor {
  new (init: { kind: 'video' }): MediaStreamTrack & { writable: WritableStream<VideoFrame> };
}

export interface PipelineEvents {
  /** The lowest quality still fell behind: the caller switches the effect off. */
  overloaded(): void;
  failed(reason: string): void;
  stats?(fps: number, busyMsPerFrame: number, level: number): void;
}

/** True when this browser can run the effects at all (a worker with OffscreenCanvas 2D). */
export function effectsSupported(): boolean {
  return (
    typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap === 'function'
  );
}

function insertableStreams(): { Processor: TrackProcessorCtor; Generator: TrackGeneratorCtor } | null {
  const g = globalThis as unknown as {
    MediaStreamTrackProcessor?: TrackProcessorCtor;
    MediaStreamTrackGenerator?: TrackGeneratorCtor;
  };
  return g.MediaStreamTrackProcessor && g.MediaStreamTrackGenerator
    ? { Processor: g.MediaStreamTrackProcessor, Generator: g.MediaStreamTrackGenerator }
    : null;
}

/** The <video>'s current picture for the worker: a VideoFrame wrapping it where WebCodecs exists. */
function cameraPicture(video: HTMLVideoElement): Promise<VideoFrame | ImageBitmap> {
  if (typeof VideoFrame === 'undefined') return createImageBitmap(video);
  try {
    return Promise.resolve(new VideoFrame(video, { timestamp: Math.round(performance.now() * 1000) }));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export class EffectPipeline implements VideoProcessor {
  private readonly worker: Worker;
  private output: MediaStreamTrack | null = null;
  /** Held so it is not garbage-collected while the worker reads its (transferred) stream. */
  private readonly keepAlive = new Set<unknown>();
  private stopFallback: (() => void) | null = null;
  private onDrawn: (() => void) | null = null;
  private released = false;
  /** What the worker says it sends; before its first word, what it will send at full quality. */
  outputSize: FrameSize | null = null;
  onResize: (() => void) | null = null;

  constructor(
    manifest: EffectsManifest,
    private readonly events: PipelineEvents,
  ) {
    this.worker = new Worker(manifest.worker, { name: 'effects' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.received(event.data);
    this.worker.onerror = (event) => this.events.failed(event.message || 'the effects worker failed to start');
    this.send({ type: 'init', assets: manifest.segmenter });
  }

  setEffect(effect: WorkerEffect): void {
    this.send({ type: 'effect', effect }, effect.mode === 'image' ? [effect.image] : []);
  }

  process(camera: MediaStreamTrack): MediaStreamTrack {
    this.stopOutput();
    const settings = camera.getSettings();
    const cameraFps = settings.frameRate ?? 30;
    this.outputSize =
      settings.width && settings.height ? scaledSize(settings.width, settings.height, levelAt(0).maxWidth) : null;
    const streams = insertableStreams();
    if (streams) {
      const processor = new streams.Processor({ track: camera });
      const generator = new streams.Generator({ kind: 'video' });
      this.keepAlive.add(processor);
      this.send({ type: 'stream', readable: processor.readable, writable: generator.writable, cameraFps }, [
        processor.readable as unknown as Transferable,
        generator.writable as unknown as Transferable,
      ]);
      this.output = generator;
      return generator;
    }
    this.output = this.canvasFallback(camera, cameraFps);
    return this.output;
  }

  release(): void {
    this.released = true;
    this.stopOutput();
    this.worker.terminate();
  }

  private canvasFallback(camera: MediaStreamTrack, cameraFps: number): MediaStreamTrack {
    const settings = camera.getSettings();
    const canvas = Object.assign(document.createElement('canvas'), {
      width: settings.width ?? 640,
      height: settings.height ?? 360,
    });
    const offscreen = canvas.transferControlToOffscreen();
    this.send({ type: 'canvas', canvas: offscreen, cameraFps }, [offscreen]);
    const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true });
    video.srcObject = new MediaStream([camera]);
    void video.play().catch(() => undefined);
    let stopped = false;
    let inFlight = false;
    this.onDrawn = () => (inFlight = false);
    const tick = () => {
      if (stopped) return;
      if (!inFlight && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
        inFlight = true;
        cameraPicture(video).then(
          (frame) => (stopped ? frame.close() : this.send({ type: 'frame', frame }, [frame])),
          () => (inFlight = false),
        );
      }
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(tick);
      else setTimeout(tick, 1000 / cameraFps);
    };
    tick();
    this.stopFallback = () => {
      stopped = true;
      video.srcObject = null;
    };
    return canvas.captureStream(cameraFps).getVideoTracks()[0]!;
  }

  private stopOutput(): void {
    this.stopFallback?.();
    this.stopFallback = null;
    this.output?.stop();
    this.output = null;
    this.keepAlive.clear();
  }

  private send(message: ToWorker, transfer: Transferable[] = []): void {
    if (!this.released) this.worker.postMessage(message, transfer);
  }

  private received(message: FromWorker): void {
    switch (message.type) {
      case 'drawn':
        this.onDrawn?.();
        break;
      case 'size':
        if (this.outputSize?.width !== message.width || this.outputSize.height !== message.height) {
          this.outputSize = { width: message.width, height: message.height };
          this.onResize?.();
        }
        break;
      case 'stats':
        this.events.stats?.(message.fps, message.busyMsPerFrame, message.level);
        break;
      case 'overloaded':
        this.events.overloaded();
        break;
      case 'failed':
        this.events.failed(message.reason);
        break;
      case 'ready':
        break;
    }
  }
}
