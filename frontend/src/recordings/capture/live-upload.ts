import {
  MAX_UPLOAD_PARTS,
  UPLOAD_PART_SIZE,
  type PresignPartsResponse,
  type PresignedPart,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { retryDelayMs } from '../upload/multipart-upload';
import { PartBuffer, TooManyPartsError, type BufferedPart } from './part-buffer';
import { PartTransferError, type PutPart } from '../upload/part-transfer';

/** The part of the recordings API a live upload uses. */
export interface LiveUploadApi {
  parts(
    id: string,
    partNumbers: number[],
    finalPart?: { partNumber: number; sizeBytes: number },
  ): Promise<PresignPartsResponse>;
  complete(id: string, parts: { partNumber: number; etag: string }[], partCount?: number): Promise<RecordingSummary>;
  abort(id: string): Promise<void>;
}

export interface LiveUploadOptions {
  readonly api: LiveUploadApi;
  readonly putPart: PutPart;
  readonly recordingId: string;
  readonly mimeType: string;
  readonly initialUrls?: readonly PresignedPart[];
  /** Every part but the last; the API signs part URLs for exactly UPLOAD_PART_SIZE. */
  readonly partBytes?: number;
  readonly maxParts?: number;
  readonly maxRetries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The recording hit the part limit: the owner should stop it (what was recorded is kept). */
  readonly onFull?: () => void;
  /** S3 acknowledged `partNumber`; parts 1..partNumber hold the recording's first `bytes` bytes (the journal's cue). */
  readonly onPartStored?: (partNumber: number, bytes: number) => void;
}

export class LiveUploadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LiveUploadError';
  }
}

/**
 * Uploads a recording while it is being made: chunks from MediaRecorder go into a PartBuffer, and each whole part
 * is sent at once (one at a time, in order). The part still being filled lives in memory only; the recorder's
 * journal (recording-journal.ts) keeps it on disk, so a crashed tab loses at most the last chunk.
 */
export class LiveUpload {
  private readonly buffer: PartBuffer<Blob>;
  private readonly urls: Map<number, string>;
  private readonly etags = new Map<number, string>();
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private full = false;
  private sentBytes = 0;

  constructor(private readonly options: LiveUploadOptions) {
    this.buffer = new PartBuffer<Blob>({
      partBytes: options.partBytes ?? UPLOAD_PART_SIZE,
      maxParts: options.maxParts ?? MAX_UPLOAD_PARTS,
      slice: (blob, start, end) => blob.slice(start, end, blob.type),
    });
    this.urls = new Map((options.initialUrls ?? []).map((p) => [p.partNumber, p.url]));
  }

  /** Bytes S3 has acknowledged. */
  get uploadedBytes(): number {
    return this.sentBytes;
  }

  /** Bytes still only in this tab: what a crash now would lose. */
  get unsentBytes(): number {
    return this.buffer.bufferedBytes;
  }

  /** The first upload failure that retrying could not fix, if any (the recording should stop). */
  get error(): unknown {
    return this.failure;
  }

  push(chunk: Blob): void {
    if (this.full || chunk.size === 0) return;
    let parts: BufferedPart<Blob>[];
    try {
      parts = this.buffer.push(chunk);
    } catch (err) {
      if (!(err instanceof TooManyPartsError)) throw err;
      // The upload is as big as it can be: keep what is there and ask the owner to stop.
      this.full = true;
      this.options.onFull?.();
      return;
    }
    for (const part of parts) this.enqueue(part);
  }

  /** Sends the last part and completes the upload; aborts it when nothing was recorded. */
  async finish(): Promise<RecordingSummary> {
    const last = this.full ? null : this.buffer.finish();
    if (last) this.enqueue(last);
    await this.queue;
    if (this.failure) throw this.failure;
    const count = this.etags.size;
    if (count === 0) {
      await this.options.api.abort(this.options.recordingId);
      throw new LiveUploadError('Nothing was recorded.');
    }
    const parts = Array.from({ length: count }, (_, i) => ({ partNumber: i + 1, etag: this.etags.get(i + 1)! }));
    return this.options.api.complete(this.options.recordingId, parts, count);
  }

  /** Gives up: S3 frees the parts and the recording disappears from the list. */
  async cancel(): Promise<void> {
    this.full = true;
    await this.queue.catch(() => undefined);
    await this.options.api.abort(this.options.recordingId);
  }

  private enqueue(part: BufferedPart<Blob>): void {
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await this.send(part);
      } catch (err) {
        this.failure = err;
      }
    });
  }

  private async send(part: BufferedPart<Blob>): Promise<void> {
    const body = new Blob(part.chunks as Blob[], { type: this.options.mimeType });
    const maxRetries = this.options.maxRetries ?? 8;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        const url = await this.urlFor(part);
        const etag = await this.options.putPart(url, body, () => undefined);
        this.etags.set(part.partNumber, etag);
        this.sentBytes += part.size;
        // Parts go one at a time, in order: the bytes sent so far are exactly parts 1..partNumber.
        this.options.onPartStored?.(part.partNumber, this.sentBytes);
        return;
      } catch (err) {
        if (!(err instanceof PartTransferError) || !err.retryable || attempt > maxRetries) {
          throw new LiveUploadError(
            `Part ${part.partNumber} of the recording could not be uploaded: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
        if (err.kind === 'expired') this.urls.delete(part.partNumber);
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  private async urlFor(part: BufferedPart<Blob>): Promise<string> {
    // The last part is signed for its own length; URLs from the create response are for whole parts only.
    if (!part.last) {
      const known = this.urls.get(part.partNumber);
      if (known) return known;
    }
    const answer = part.last
      ? await this.options.api.parts(this.options.recordingId, [], {
          partNumber: part.partNumber,
          sizeBytes: part.size,
        })
      : await this.options.api.parts(this.options.recordingId, [part.partNumber]);
    const url = answer.parts.find((p) => p.partNumber === part.partNumber)?.url;
    if (!url) throw new LiveUploadError(`The server did not presign part ${part.partNumber}.`);
    if (!part.last) this.urls.set(part.partNumber, url);
    return url;
  }
}
