import type { UploadedPart } from '../../../../functions/shared/protocol/recordings';

/** A chunk the journal kept: its place in the recording and its size. */
export interface KeptChunk {
  readonly start: number;
  readonly size: number;
}

/** One part still to send, as a byte range of the recording (`end` exclusive). */
export interface RecoveryPart {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
  /** The last part is presigned for its own length; the others for exactly `partBytes`. */
  readonly last: boolean;
}

export interface RecoveryPlan {
  /** Parts S3 already holds and that stay as they are (1..keep.length, in order). */
  readonly keep: readonly UploadedPart[];
  /** Parts to send from the journal's chunks, in order. */
  readonly send: readonly RecoveryPart[];
  /** Bytes the completed recording will hold. */
  readonly totalBytes: number;
  /** Bytes the journal kept that come after a gap (a chunk that never reached the journal): dropped. */
  readonly droppedBytes: number;
}

/**
 * Decides how an interrupted in-meeting recording is finished. S3's part list is the truth about what was
 * uploaded; the journal holds every chunk S3 has not acknowledged. Parts 1..k that S3 holds at full size are kept;
 * the recording continues from byte k × partBytes with the journal's chunks, cut into parts, for as long as the
 * chunks run without a gap (WebM read past a hole would be garbage). A short part S3 holds (the final part of a
 * recording that crashed while completing) is kept only when nothing recorded comes after it; else it is sent again.
 */
export function planRecovery(input: {
  readonly partBytes: number;
  readonly uploaded: readonly UploadedPart[];
  readonly chunks: readonly KeptChunk[];
  /** Bytes the journal saw acknowledged: with no chunk left, this is where the recording ended. */
  readonly ackedBytes: number;
}): RecoveryPlan {
  const { partBytes } = input;
  const byNumber = new Map(input.uploaded.map((p) => [p.partNumber, p]));
  const chunks = [...input.chunks].sort((a, b) => a.start - b.start);
  const recordedEnd = Math.max(input.ackedBytes, ...chunks.map((c) => c.start + c.size));

  const keep: UploadedPart[] = [];
  let kept = 0;
  for (let n = 1; byNumber.has(n); n++) {
    const part = byNumber.get(n)!;
    const full = part.size === partBytes;
    const endsTheRecording = kept + part.size >= recordedEnd && part.size > 0;
    if (!full && !endsTheRecording) break;
    keep.push(part);
    kept += part.size;
    if (!full) break; // a short part is always the last one
  }

  // The journal's chunks, contiguous from the first byte S3 does not have.
  let covered = kept;
  for (const c of chunks) {
    if (c.start + c.size <= covered) continue; // already in S3
    if (c.start > covered) break; // a gap: nothing after it can be used
    covered = c.start + c.size;
  }
  const droppedBytes = Math.max(0, recordedEnd - covered);

  const send: RecoveryPart[] = [];
  for (let start = kept, n = keep.length + 1; start < covered; start += partBytes, n++) {
    const end = Math.min(covered, start + partBytes);
    send.push({ partNumber: n, start, end, last: end === covered });
  }
  return { keep, send, totalBytes: covered, droppedBytes };
}
