import {
  MAX_PARTS_PER_REQUEST,
  type PresignPartsResponse,
  type PresignedPart,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { PartTransferError, type PutPart } from './part-transfer';
import { planParts, planResume, type PlannedPart } from './resume-plan';
import { UploadProgress, type ProgressSnapshot } from './upload-progress';

/** The part of the recordings API an upload uses. */
export interface UploadApi {
  parts(id: string, partNumbers: number[]): Promise<PresignPartsResponse>;
  complete(id: string, parts: { partNumber: number; etag: string }[]): Promise<RecordingSummary>;
}

export interface RetryNotice {
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface MultipartUploadOptions {
  readonly api: UploadApi;
  readonly putPart: PutPart;
  readonly recordingId: string;
  readonly file: Blob;
  readonly partSize: number;
  readonly partCount: number;
  /** URLs already presigned (the create response carries the first ones). */
  readonly initialUrls?: readonly PresignedPart[];
  /** True when resuming: ask the API which parts it has before sending any. */
  readonly resume?: boolean;
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  readonly onRetry?: (notice: RetryNotice) => void;
  readonly signal?: AbortSignal;
  readonly concurrency?: number;
  /** Consecutive failed rounds (no part got through) before giving up; the user can still resume later. */
  readonly maxRetries?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class UploadInterruptedError extends Error {
  constructor(
    readonly recordingId: string,
    override readonly cause: unknown,
  ) {
    super(`The upload stopped: ${cause instanceof Error ? cause.message : String(cause)} You can resume it.`);
    this.name = 'UploadInterruptedError';
  }
}

// Three parts at a time fill a home uplink without making any one part so slow that its URL expires.
const DEFAULT_CONCURRENCY = 3;
const DEFAULT_MAX_RETRIES = 6;

/** Backoff for network drops: 1 s, 2 s, 4 s … capped at 15 s (a phone between cells, a Wi-Fi roam). */
export function retryDelayMs(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new PartTransferError('aborted', 'The upload was cancelled.'));
      },
      { once: true },
    );
  });

/**
 * Sends a file to S3 in presigned parts and completes the upload. After a network drop it asks the API which
 * parts S3 already holds and sends only the rest, so a drop costs at most the parts that were in flight.
 */
export async function uploadMultipart(options: MultipartUploadOptions): Promise<RecordingSummary> {
  const { api, recordingId, file, signal } = options;
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? defaultSleep;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const plan = planParts(file.size, options.partSize);
  if (plan.length !== options.partCount) {
    throw new Error(
      `The server planned ${options.partCount} parts but this file needs ${plan.length}; pick the same file.`,
    );
  }
  const progress = new UploadProgress(file.size, now);
  const report = () => options.onProgress?.(progress.snapshot());
  const urls = new Map<number, string>((options.initialUrls ?? []).map((p) => [p.partNumber, p.url]));
  const etags = new Map<number, string>();
  let mustSync = options.resume ?? false;
  let failures = 0;

  for (;;) {
    if (mustSync) {
      // Ask S3 (through the API) what arrived: parts that completed before the drop are not sent again.
      const todoNumbers = plan.filter((p) => !etags.has(p.partNumber)).map((p) => p.partNumber);
      const answer = await api.parts(recordingId, todoNumbers.slice(0, MAX_PARTS_PER_REQUEST));
      for (const p of answer.parts) urls.set(p.partNumber, p.url);
      const { done } = planResume(plan, answer.uploaded);
      for (const part of done) {
        etags.set(part.partNumber, part.etag);
        progress.markDone(part.partNumber, part.size);
      }
      mustSync = false;
    }
    const todo = plan.filter((p) => !etags.has(p.partNumber));
    report();
    if (todo.length === 0) break;
    await presignMissing(api, recordingId, todo, urls);

    const before = etags.size;
    const error = await sendAll(todo, options, urls, etags, progress, report);
    if (!error) continue;
    if (!(error instanceof PartTransferError) || !error.retryable) {
      if (error instanceof PartTransferError && error.kind === 'aborted') throw error;
      throw new UploadInterruptedError(recordingId, error);
    }
    if (error.kind === 'expired') urls.clear();
    failures = etags.size > before ? 1 : failures + 1;
    if (failures > maxRetries) throw new UploadInterruptedError(recordingId, error);
    const delayMs = retryDelayMs(failures);
    options.onRetry?.({ attempt: failures, delayMs, reason: error.message });
    await sleep(delayMs, signal);
    mustSync = true;
  }

  const parts = plan.map((p) => ({ partNumber: p.partNumber, etag: etags.get(p.partNumber)! }));
  return api.complete(recordingId, parts);
}

async function presignMissing(api: UploadApi, id: string, todo: readonly PlannedPart[], urls: Map<number, string>) {
  const missing = todo.filter((p) => !urls.has(p.partNumber)).map((p) => p.partNumber);
  for (let i = 0; i < missing.length; i += MAX_PARTS_PER_REQUEST) {
    const answer = await api.parts(id, missing.slice(i, i + MAX_PARTS_PER_REQUEST));
    for (const p of answer.parts) urls.set(p.partNumber, p.url);
  }
}

/** Sends parts with a few in flight; stops taking new parts at the first failure and returns it. */
async function sendAll(
  todo: readonly PlannedPart[],
  options: MultipartUploadOptions,
  urls: Map<number, string>,
  etags: Map<number, string>,
  progress: UploadProgress,
  report: () => void,
): Promise<unknown> {
  const queue = [...todo];
  let failure: unknown = null;
  const worker = async () => {
    for (let part = queue.shift(); part && failure === null; part = queue.shift()) {
      const url = urls.get(part.partNumber);
      if (!url) {
        failure = new PartTransferError('expired', `No upload link for part ${part.partNumber}.`);
        return;
      }
      const number = part.partNumber;
      try {
        const etag = await options.putPart(
          url,
          options.file.slice(part.start, part.end),
          (loaded) => {
            progress.update(number, Math.min(loaded, part.end - part.start));
            report();
          },
          options.signal,
        );
        progress.update(number, part.end - part.start);
        etags.set(number, etag);
        report();
      } catch (err) {
        progress.reset(number);
        report();
        failure ??= err;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, todo.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return failure;
}
