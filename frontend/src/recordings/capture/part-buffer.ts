// S3 multipart rule: every part except the last must be at least 5 MiB, and an upload has at most 10,000 parts.
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export interface Sized {
  readonly size: number;
}

/** Cuts bytes [start, end) out of a chunk (Blob.slice in the browser). */
export type Slicer<T extends Sized> = (chunk: T, start: number, end: number) => T;

/** A run of recorder chunks that together form one S3 part, in order. */
export interface BufferedPart<T extends Sized> {
  readonly partNumber: number;
  readonly chunks: readonly T[];
  readonly size: number;
  readonly last: boolean;
}

export class TooManyPartsError extends Error {
  constructor(maxParts: number) {
    super(`This recording reached its limit of ${maxParts} parts; stop and start a new recording.`);
    this.name = 'TooManyPartsError';
  }
}

export interface PartBufferOptions<T extends Sized> {
  /**
   * Size of every part but the last. Exact, not a minimum: the API presigns each part URL for exactly this many
   * bytes (that is how it enforces the size limit), so a part of any other size would be refused by S3.
   */
  readonly partBytes: number;
  readonly slice: Slicer<T>;
  readonly maxParts?: number;
}

/**
 * Collects MediaRecorder chunks (Blobs in the browser; anything with a size and a slicer here) into S3 parts as
 * soon as a whole part has piled up, so each part can be uploaded while recording goes on and a crash loses at
 * most the bytes still waiting in this buffer (less than one part).
 */
export class PartBuffer<T extends Sized> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private nextPartNumber = 1;
  private finished = false;
  private readonly partBytes: number;
  private readonly slice: Slicer<T>;
  private readonly maxParts: number;

  constructor(options: PartBufferOptions<T>) {
    if (!Number.isSafeInteger(options.partBytes) || options.partBytes <= 0) {
      throw new RangeError('partBytes must be a positive integer');
    }
    this.partBytes = options.partBytes;
    this.slice = options.slice;
    this.maxParts = options.maxParts ?? MAX_PARTS;
  }

  /** Bytes recorded but not yet handed out as a part: what a crash right now would lose. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Parts handed out so far. */
  get partsEmitted(): number {
    return this.nextPartNumber - 1;
  }

  /** Adds one chunk; returns the whole parts it completes (usually none or one; more for a huge chunk). */
  push(chunk: T): BufferedPart<T>[] {
    if (this.finished) throw new Error('The recording has already been finished.');
    if (chunk.size === 0) return [];
    const parts: BufferedPart<T>[] = [];
    let rest = chunk;
    while (this.pendingBytes + rest.size >= this.partBytes) {
      const take = this.partBytes - this.pendingBytes;
      if (take === rest.size) {
        this.pending.push(rest);
        this.pendingBytes += rest.size;
        parts.push(this.emit(false));
        return parts;
      }
      this.pending.push(this.slice(rest, 0, take));
      this.pendingBytes += take;
      parts.push(this.emit(false));
      rest = this.slice(rest, take, rest.size);
    }
    this.pending.push(rest);
    this.pendingBytes += rest.size;
    return parts;
  }

  /** Ends the recording: returns the final part (shorter than the others) or null when nothing is left over. */
  finish(): BufferedPart<T> | null {
    if (this.finished) throw new Error('The recording has already been finished.');
    this.finished = true;
    if (this.pendingBytes === 0) return null;
    return this.emit(true);
  }

  private emit(last: boolean): BufferedPart<T> {
    if (this.nextPartNumber > this.maxParts) throw new TooManyPartsError(this.maxParts);
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
