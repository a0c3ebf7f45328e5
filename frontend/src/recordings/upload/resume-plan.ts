import type { UploadedPart } from '../../../../functions/shared/protocol/recordings';
import { MAX_PARTS } from '../capture/part-buffer';

/** One byte range of the file that becomes one S3 part. `end` is exclusive (Blob.slice semantics). */
export interface PlannedPart {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
}

export interface ResumePlan {
  /** Parts the server already holds with the expected size: kept, never sent again. */
  readonly done: readonly UploadedPart[];
  /** Parts still to send, in order. */
  readonly todo: readonly PlannedPart[];
}

/** Cuts a file into parts of `partSize` (the last one shorter). An empty file is one empty part. */
export function planParts(fileSize: number, partSize: number): PlannedPart[] {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new RangeError('fileSize must be a non-negative integer');
  if (!Number.isSafeInteger(partSize) || partSize <= 0) throw new RangeError('partSize must be a positive integer');
  const count = Math.max(1, Math.ceil(fileSize / partSize));
  if (count > MAX_PARTS) throw new RangeError(`${count} parts exceed S3's limit of ${MAX_PARTS}`);
  const parts: PlannedPart[] = [];
  for (let i = 0; i < count; i++) {
    parts.push({ partNumber: i + 1, start: i * partSize, end: Math.min(fileSize, (i + 1) * partSize) });
  }
  return parts;
}

/**
 * Compares the plan with the parts the server lists after a drop. A listed part whose size differs from the plan
 * (a different file picked for the same upload, or a part cut short) is sent again: S3 replaces a part uploaded
 * twice under the same number, and the completion must name the ETag of the bytes that really belong there.
 */
export function planResume(plan: readonly PlannedPart[], uploaded: readonly UploadedPart[]): ResumePlan {
  const byNumber = new Map<number, UploadedPart>();
  for (const part of uploaded) byNumber.set(part.partNumber, part);
  const done: UploadedPart[] = [];
  const todo: PlannedPart[] = [];
  for (const part of plan) {
    const have = byNumber.get(part.partNumber);
    if (have && have.size === part.end - part.start && have.etag.length > 0) done.push(have);
    else todo.push(part);
  }
  return { done, todo };
}
