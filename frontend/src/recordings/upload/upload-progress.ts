// Speed is measured over a sliding window rather than since the start: after a network drop and resume the
// average since the start would stay low for minutes and the time-left estimate would be far too pessimistic.
export const SPEED_WINDOW_MS = 5_000;

export interface ProgressSnapshot {
  readonly totalBytes: number;
  readonly uploadedBytes: number;
  /** 0..1 */
  readonly fraction: number;
  /** bytes per second over the recent window; null until two samples exist */
  readonly bytesPerSecond: number | null;
  /** null while the speed is unknown or zero */
  readonly secondsLeft: number | null;
}

interface Sample {
  readonly at: number;
  readonly bytes: number;
}

/**
 * Tracks bytes of a multipart upload. Parts upload in parallel and report their own progress; a failed part
 * returns to zero so the bar never claims bytes the server does not have.
 */
export class UploadProgress {
  private readonly partBytes = new Map<number, number>();
  private samples: Sample[] = [];

  constructor(
    readonly totalBytes: number,
    private readonly now: () => number,
    private readonly windowMs: number = SPEED_WINDOW_MS,
  ) {
    if (!(totalBytes >= 0)) throw new RangeError('totalBytes must be >= 0');
  }

  /** Bytes that are already on the server before this session started (a resumed upload). */
  markDone(partNumber: number, size: number): void {
    this.partBytes.set(partNumber, size);
    // Bytes uploaded earlier say nothing about the current speed: restart the window from here.
    this.samples = [{ at: this.now(), bytes: this.uploadedBytes() }];
  }

  /** Progress of one part in flight (XHR upload.onprogress `loaded`). */
  update(partNumber: number, loaded: number): void {
    this.partBytes.set(partNumber, Math.max(0, loaded));
    this.sample();
  }

  /** A part failed: its bytes no longer count. */
  reset(partNumber: number): void {
    this.partBytes.delete(partNumber);
    this.samples = [{ at: this.now(), bytes: this.uploadedBytes() }];
  }

  snapshot(): ProgressSnapshot {
    const uploadedBytes = Math.min(this.uploadedBytes(), this.totalBytes);
    const fraction = this.totalBytes === 0 ? 1 : uploadedBytes / this.totalBytes;
    const bytesPerSecond = this.speed();
    const remaining = this.totalBytes - uploadedBytes;
    const secondsLeft =
      remaining === 0 ? 0 : bytesPerSecond !== null && bytesPerSecond > 0 ? remaining / bytesPerSecond : null;
    return { totalBytes: this.totalBytes, uploadedBytes, fraction, bytesPerSecond, secondsLeft };
  }

  private uploadedBytes(): number {
    let sum = 0;
    for (const b of this.partBytes.values()) sum += b;
    return sum;
  }

  private sample(): void {
    const at = this.now();
    this.samples.push({ at, bytes: this.uploadedBytes() });
    // Keep one sample older than the window so the window is always fully spanned.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  private speed(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return null;
    return Math.max(0, last.bytes - first.bytes) / seconds;
  }
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB" (binary multiples, the way file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A media length as a player shows it, whole seconds cut off: 12.2 → "0:12", 75 → "1:15", 3725 → "1:02:05". */
export function formatClock(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** 3725 → "1 h 2 min", 75 → "1 min 15 s", 4.2 → "5 s" (rounded up: a countdown that says 0 s must be done). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return rest > 0 ? `${m} min ${rest} s` : `${m} min`;
  return `${rest} s`;
}

/** "12.5 MB of 40 MB · 2.1 MB/s · 13 s left" */
export function describeProgress(p: ProgressSnapshot): string {
  const parts = [`${formatBytes(p.uploadedBytes)} of ${formatBytes(p.totalBytes)}`];
  if (p.bytesPerSecond !== null && p.uploadedBytes < p.totalBytes) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.secondsLeft !== null && p.uploadedBytes < p.totalBytes) parts.push(`${formatDuration(p.secondsLeft)} left`);
  return parts.join(' · ');
}
