/*
 * Who is talking, from audio levels (WebAudio AnalyserNode per stream). Computed locally from the streams we
 * already receive, so no per-word "speaking" messages cross the room socket.
 */

export interface SpeakerDetectorOptions {
  /** RMS level (0–1) above which a stream counts as speech. */
  threshold?: number;
  intervalMs?: number;
  onChange: (speakerId: string | null) => void;
}

interface Meter {
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buffer: Float32Array<ArrayBuffer>;
}

export class SpeakerDetector {
  private readonly ctx: AudioContext;
  private readonly meters = new Map<string, Meter>();
  private readonly timer: ReturnType<typeof setInterval>;
  private current: string | null = null;
  private readonly threshold: number;

  constructor(private readonly options: SpeakerDetectorOptions) {
    this.ctx = new AudioContext();
    this.threshold = options.threshold ?? 0.02;
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 250);
  }

  track(id: string, stream: MediaStream): void {
    this.untrack(id);
    if (stream.getAudioTracks().length === 0) return;
    void this.ctx.resume().catch(() => undefined);
    const source = this.ctx.createMediaStreamSource(stream);
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    this.meters.set(id, { source, analyser, buffer: new Float32Array(analyser.fftSize) });
  }

  untrack(id: string): void {
    const meter = this.meters.get(id);
    if (!meter) return;
    meter.source.disconnect();
    this.meters.delete(id);
  }

  level(id: string): number {
    const meter = this.meters.get(id);
    if (!meter) return 0;
    meter.analyser.getFloatTimeDomainData(meter.buffer);
    let sum = 0;
    for (const v of meter.buffer) sum += v * v;
    return Math.sqrt(sum / meter.buffer.length);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const id of [...this.meters.keys()]) this.untrack(id);
    void this.ctx.close().catch(() => undefined);
  }

  private tick(): void {
    let loudest: string | null = null;
    let best = this.threshold;
    for (const id of this.meters.keys()) {
      const l = this.level(id);
      if (l > best) {
        best = l;
        loudest = id;
      }
    }
    // Keep the highlight on the last speaker through short pauses: only switch to another speaker, never to nobody.
    if (loudest !== null && loudest !== this.current) {
      this.current = loudest;
      this.options.onChange(loudest);
    }
  }
}
