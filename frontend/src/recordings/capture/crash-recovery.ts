import type { RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import type { LiveUploadApi } from './live-upload';
import { retryDelayMs } from '../upload/multipart-upload';
import { PartTransferError, type PutPart } from '../upload/part-transfer';
import type { JournalEntry, RecordingJournal } from './recording-journal';
import { planRecovery, type RecoveryPart } from './recovery-plan';

export type RecoveryOutcome =
  /** Completed: the recording is in the pipeline now. */
  | { readonly kind: 'recovered'; readonly recording: RecordingSummary; readonly droppedBytes: number }
  /** Nothing had been recorded: the empty upload was cancelled. */
  | { readonly kind: 'empty' }
  /** The server no longer has the upload (discarded, expired, or finished meanwhile): nothing left to do. */
  | { readonly kind: 'gone'; readonly reason: string }
  /** Another tab is still recording it, or recovering it: left alone. */
  | { readonly kind: 'busy' };

export interface RecoveryProgress {
  readonly sentBytes: number;
  readonly totalToSend: number;
}

export interface RecoveryDeps {
  readonly journal: RecordingJournal;
  readonly api: LiveUploadApi;
  readonly putPart: PutPart;
  /** Runs `work` while holding the recording's lock; resolves `null` without running it when the lock is taken. */
  readonly withLock: <T>(entry: JournalEntry, work: () => Promise<T>) => Promise<T | null>;
  readonly onProgress?: (progress: RecoveryProgress) => void;
  readonly signal?: AbortSignal;
  readonly maxRetries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const statusOf = (err: unknown) => (err as { status?: unknown }).status;

/**
 * Finishes a recording whose tab crashed or closed mid-meeting: asks S3 (through the API) which parts it holds,
 * uploads what only the journal has as the next part(s), completes the upload (the pipeline starts from there) and
 * forgets the journal entry. Safe to interrupt and run again: every acknowledged part is written to the journal.
 */
export async function recoverRecording(deps: RecoveryDeps, entry: JournalEntry): Promise<RecoveryOutcome> {
  const outcome = await deps.withLock(entry, () => recoverLocked(deps, entry));
  return outcome ?? { kind: 'busy' };
}

async function recoverLocked(deps: RecoveryDeps, entry: JournalEntry): Promise<RecoveryOutcome> {
  const { journal, api } = deps;
  const id = entry.recordingId;
  let uploaded;
  try {
    uploaded = (await api.parts(id, [])).uploaded;
  } catch (err) {
    // 404: discarded (or not this user's); 409: no longer uploading (completed) or the upload expired in S3.
    if (statusOf(err) === 404 || statusOf(err) === 409) {
      await journal.remove(id);
      return { kind: 'gone', reason: err instanceof Error ? err.message : String(err) };
    }
    throw err;
  }
  const chunks = await journal.chunks(id);
  const plan = planRecovery({
    partBytes: entry.partBytes,
    uploaded,
    chunks: chunks.map((c) => ({ start: c.start, size: c.blob.size })),
    ackedBytes: entry.ackedBytes,
  });
  if (plan.totalBytes === 0) {
    await api.abort(id).catch((err: unknown) => {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
    });
    await journal.remove(id);
    return { kind: 'empty' };
  }

  // The bytes the journal kept, as one Blob (Blobs concatenate without copying) from the first chunk's offset.
  const base = chunks.length > 0 ? Math.min(...chunks.map((c) => c.start)) : 0;
  const sorted = [...chunks].sort((a, b) => a.seq - b.seq);
  const kept = new Blob(
    sorted.map((c) => c.blob),
    { type: entry.mimeType },
  );
  const totalToSend = plan.send.reduce((n, p) => n + (p.end - p.start), 0);
  let sentBytes = 0;
  deps.onProgress?.({ sentBytes, totalToSend });
  const etags = new Map(plan.keep.map((p) => [p.partNumber, p.etag]));
  const count = plan.keep.length + plan.send.length;
  let recording: RecordingSummary;
  try {
    for (const part of plan.send) {
      const body = kept.slice(part.start - base, part.end - base, entry.mimeType);
      etags.set(part.partNumber, await sendPart(deps, id, part, body));
      await journal.acknowledge(id, part.partNumber, part.end);
      sentBytes += part.end - part.start;
      deps.onProgress?.({ sentBytes, totalToSend });
    }
    const parts = Array.from({ length: count }, (_, i) => ({ partNumber: i + 1, etag: etags.get(i + 1)! }));
    recording = await api.complete(id, parts, count);
  } catch (err) {
    // S3 aborted the unfinished upload (the bucket's lifecycle rule, docs/recordings.md): the part PUT answers
    // 404 NoSuchUpload and completing answers 409. Nothing can be added to it any more.
    if (statusOf(err) === 404 || statusOf(err) === 409) {
      await journal.remove(id);
      return { kind: 'gone', reason: 'The unfinished upload expired before it could be recovered.' };
    }
    throw err;
  }
  await journal.remove(id);
  return { kind: 'recovered', recording, droppedBytes: plan.droppedBytes };
}

/** Sends one part, asking for a fresh URL on every attempt; network drops are retried with backoff. */
async function sendPart(deps: RecoveryDeps, id: string, part: RecoveryPart, body: Blob): Promise<string> {
  const maxRetries = deps.maxRetries ?? 6;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    if (deps.signal?.aborted) throw new PartTransferError('aborted', 'The recovery was cancelled.');
    try {
      // The last part is signed for its own length; the others for exactly one part's size.
      const answer = part.last
        ? await deps.api.parts(id, [], { partNumber: part.partNumber, sizeBytes: part.end - part.start })
        : await deps.api.parts(id, [part.partNumber]);
      const url = answer.parts.find((p) => p.partNumber === part.partNumber)?.url;
      if (!url) throw new Error(`The server did not presign part ${part.partNumber}.`);
      return await deps.putPart(url, body, () => undefined, deps.signal);
    } catch (err) {
      if (!(err instanceof PartTransferError) || !err.retryable || attempt > maxRetries) throw err;
      await sleep(retryDelayMs(attempt));
    }
  }
}

/**
 * Cancels an interrupted recording for good: S3 frees its parts, the row disappears, the journal forgets it.
 * `already-saved` when the upload had been completed meanwhile (it is an ordinary recording now), `busy` when
 * another tab holds the recording.
 */
export async function discardRecording(
  deps: Pick<RecoveryDeps, 'journal' | 'api' | 'withLock'>,
  entry: JournalEntry,
): Promise<'discarded' | 'already-saved' | 'busy'> {
  const done = await deps.withLock(entry, async () => {
    let outcome: 'discarded' | 'already-saved' = 'discarded';
    try {
      await deps.api.abort(entry.recordingId);
    } catch (err) {
      // 409: no longer uploading, i.e. completed; 404: already gone. Either way the journal has nothing to keep.
      if (statusOf(err) === 409) outcome = 'already-saved';
      else if (statusOf(err) !== 404) throw err;
    }
    await deps.journal.remove(entry.recordingId);
    return outcome;
  });
  return done ?? 'busy';
}

/**
 * The recording's lock (Web Locks API): the recorder holds it while recording, a recovery while recovering; a tab
 * that crashes or closes releases it. Without the API, a journal entry touched in the last `staleMs` counts as live.
 */
export function browserRecordingLock(options: { staleMs?: number; now?: () => number } = {}) {
  const staleMs = options.staleMs ?? 30_000;
  const now = options.now ?? Date.now;
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  const name = (recordingId: string) => `cn-recording:${recordingId}`;
  return {
    /** Holds the lock until `release` settles (the recorder, for as long as it records and uploads). */
    hold(recordingId: string, release: Promise<unknown>): void {
      if (locks) void locks.request(name(recordingId), () => release.catch(() => undefined)).catch(() => undefined);
    },
    withLock<T>(entry: JournalEntry, work: () => Promise<T>): Promise<T | null> {
      if (!locks) return now() - entry.updatedAt < staleMs ? Promise.resolve(null) : work();
      return locks.request(name(entry.recordingId), { ifAvailable: true }, (lock) =>
        lock ? work() : null,
      ) as Promise<T | null>;
    },
  };
}
