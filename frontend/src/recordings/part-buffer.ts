// S3 multipart rule: every part except the last must be at least 5 MiB, and an upload has at most 10,000 parts.
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export interface Sized {
  readonly size: number;
}

/** A run of recorder chunks that together form one S3 part, in order. */
export interface BufferedPart<T extends Sized> {
  readonly partNumber: number;
  readonly chunks: readonly T[];
  readonly size: number;
  readonly last: boolean;
}

export class TooManyPartsError extends Error {
  constructor() {
    super(`A recording can have at most ${MAX_PARTS} parts; stop and start a new recording.`);
    this.name = 'TooManyPartsError';
  }
}

/**
 * Collects MediaRecorder chunks (Blobs in the browser; anything with a size here) into S3 parts as soon as enough
 * bytes have piled up, so each part can be uploaded while recording goes on and a crash loses at most the bytes
 * still waiting in this buffer.
 */
export class PartBuffer<T extends Sized> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private nextPartNumber = 1;
  private finished = false;

  constructor(private readonly minPartBytes: number = MIN_PART_BYTES) {
    if (!Number.isInteger(minPartBytes) || minPartBytes <= 0)
      throw new RangeError('minPartBytes must be a positive integer');
  }

  /** Bytes recorded but not yet handed out as a part: what a crash right now would lose. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Parts handed out so far. */
  get partsEmitted(): number {
    return this.nextPartNumber - 1;
  }

  /** Adds one chunk; returns the part it completes, if any. */
  push(chunk: T): BufferedPart<T> | null {
    if (this.finished) throw new Error('The recording has already been finished.');
    if (chunk.size === 0) return null;
    this.pending.push(chunk);
    this.pendingBytes += chunk.size;
    if (this.pendingBytes < this.minPartBytes) return null;
    return this.emit(false);
  }

  /** Ends the recording: returns the final part (any size) or null when nothing is left over. */
  finish(): BufferedPart<T> | null {
    if (this.finished) throw new Error('The recording has already been finished.');
    this.finished = true;
    if (this.pendingBytes === 0) return null;
    return this.emit(true);
  }

  private emit(last: boolean): BufferedPart<T> {
    if (this.nextPartNumber > MAX_PARTS) throw new TooManyPartsError();
    const part: BufferedPart<T> = {
      partNumber: this.nextPartNumber++,
      chunks: this.pending,
      size: this.pendingBytes,
      last,
    };
    this.pending = [];
    this.pendingBytes = 0;
    return part;
  }
}
