import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda, s3, sqs } from '../shared/aws-clients';
import { optionalEnv, requireEnv } from '../shared/env';
import { logger } from '../shared/logger';
import type { BurnInJob, TranscribeJob } from '../shared/protocol/recordings';
import { getSql } from '../shared/sql/sql';
import { STATE_BUDGET_SECONDS, overdueReason, sweepAction, type ActiveStatus } from './lifecycle';
import { S3MediaStorage, type MediaStorage } from './media-storage';
import { notifyOwner } from './notify';
import { sendJson } from './queues';
import { RecordingStore, type RecordingRecord } from './recording-store';
import { isWholeUpload } from './recordings-service';
import { transcribeJobId } from './transcode-pipeline';

export interface ReconcileDeps {
  store: RecordingStore;
  storage: Pick<MediaStorage, 'bucket' | 'abortMultipart' | 'listParts' | 'size'>;
  enqueueTranscription(job: TranscribeJob): Promise<void>;
  enqueueBurnIn(job: BurnInJob): Promise<void>;
  /** Runs Transcode again for this recording (an S3-shaped event, as its bucket notification sends). */
  retryTranscode(r: RecordingRecord): Promise<void>;
  notify(r: RecordingRecord): Promise<void>;
}

export interface ReconcileResult {
  transcriptions: string[];
  transcodes: string[];
  failed: string[];
  exports: string[];
}

/**
 * - `startup`: the local cloud just started, so nothing is running: every recording in transcoding, queued or
 *   transcribing is orphaned now (its Lambda run, worker or in-memory queue message died with the process).
 *   Re-sending a job is free (job ids are deterministic; a finished job is acknowledged without rework); re-running
 *   a transcode counts as a retry, so a file that kills the process every time ends failed instead of looping.
 * - `schedule`: the periodic sweep (EventBridge in AWS, a timer locally): only recordings past their state's
 *   budget are taken.
 */
export type ReconcileMode = 'startup' | 'schedule';

/** Exports (burn-in) are retried when they sit this long; a BurnIn run is capped at 15 min by Lambda. */
const EXPORT_BUDGET_SECONDS = 3600;

/**
 * The lifecycle sweep (lifecycle.ts): retries an overdue recording once per state, idempotently, and then fails
 * it with a reason the user reads. Uploads cannot be retried from here and fail once past their budget.
 */
export async function reconcileWith(deps: ReconcileDeps, mode: ReconcileMode = 'startup'): Promise<ReconcileResult> {
  const result: ReconcileResult = { transcriptions: [], transcodes: [], failed: [], exports: [] };
  const budgets =
    mode === 'startup' ? { ...STATE_BUDGET_SECONDS, transcoding: 0, queued: 0, transcribing: 0 } : STATE_BUDGET_SECONDS;
  for (const r of await deps.store.listOverdue(budgets)) {
    const status = r.status as ActiveStatus;
    const freeResend = mode === 'startup' && (status === 'queued' || status === 'transcribing');
    const retries = r.sweepStatus === status ? r.sweepRetries : 0;
    if (!freeResend && sweepAction(status, retries) === 'fail') {
      if (await fail(deps, r, overdueReason(status))) result.failed.push(r.id);
      continue;
    }
    if (!freeResend && !(await deps.store.noteSweepRetry(r.id, status))) continue;
    if (status === 'transcoding') {
      await deps.retryTranscode(r);
      result.transcodes.push(r.id);
    } else if (r.audioKey) {
      await deps.store.markQueued(r.id);
      await deps.enqueueTranscription({
        jobId: r.transcribeJobId ?? transcribeJobId(r.id),
        recordingId: r.id,
        ownerId: r.ownerId,
        bucket: deps.storage.bucket,
        audioKey: r.audioKey,
        durationSeconds: r.durationSeconds,
        language: r.language,
        translate: r.translate,
      });
      result.transcriptions.push(r.id);
    } else if (await fail(deps, r, 'The recording lost its converted audio; upload it again')) {
      result.failed.push(r.id);
    }
  }
  if (mode === 'startup') {
    // S3 completed an upload, and the process died before the row said so: its ObjectCreated event died with the
    // local cloud's in-process delivery (AWS delivers it durably). The object is whole, so the upload is done:
    // record it and re-send the event, as the completion would have.
    for (const r of await deps.store.listUploading()) {
      if ((await deps.storage.listParts(r.sourceKey, r.uploadId!)) !== null) continue;
      const size = await deps.storage.size(r.sourceKey);
      if (!isWholeUpload(r, size) || !(await deps.store.markUploaded(r.id, size!))) continue;
      await deps.notify({ ...r, status: 'transcoding', uploadId: null, sizeBytes: size! });
      await deps.retryTranscode(r);
      result.transcodes.push(r.id);
    }
  }
  const exportAge = mode === 'startup' ? 0 : EXPORT_BUDGET_SECONDS;
  for (const r of await deps.store.listStuckExports(exportAge)) {
    if (r.exportVersion === null) continue;
    await deps.enqueueBurnIn({ recordingId: r.id, ownerId: r.ownerId, version: r.exportVersion });
    result.exports.push(r.id);
  }
  if (Object.values(result).some((ids) => ids.length > 0)) logger.info('lifecycle sweep acted', { mode, ...result });
  return result;
}

async function fail(deps: ReconcileDeps, r: RecordingRecord, reason: string): Promise<boolean> {
  // An overdue upload's parts would otherwise be kept (and billed) until the bucket's lifecycle rule clears them.
  if (r.status === 'uploading' && r.uploadId) await deps.storage.abortMultipart(r.sourceKey, r.uploadId);
  if (!(await deps.store.markFailed(r.id, reason))) return false;
  logger.info('recording failed by the lifecycle sweep', { recordingId: r.id, from: r.status, reason });
  await deps.notify({ ...r, status: 'failed', failureReason: reason });
  return true;
}

/** The S3 notification a completed upload sends, rebuilt: S3 URL-encodes keys ('+' for spaces). */
export function sourceCreatedEvent(bucket: string, key: string): unknown {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        s3: { bucket: { name: bucket }, object: { key: encoded } },
      },
    ],
  };
}

function reconcileDeps(): ReconcileDeps {
  const burnInQueue = optionalEnv('BURN_IN_QUEUE_URL');
  const storage = new S3MediaStorage(s3(), requireEnv('RECORDINGS_BUCKET'));
  return {
    store: new RecordingStore(getSql()),
    storage,
    enqueueTranscription: (job) => sendJson(sqs(), requireEnv('TRANSCRIBE_QUEUE_URL'), job),
    enqueueBurnIn: async (job) => {
      if (burnInQueue) await sendJson(sqs(), burnInQueue, job);
    },
    retryTranscode: async (r) => {
      await lambda().send(
        new InvokeCommand({
          FunctionName: requireEnv('TRANSCODE_FUNCTION_NAME'),
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(sourceCreatedEvent(storage.bucket, r.sourceKey))),
        }),
      );
    },
    notify: async (r) => {
      await notifyOwner(r);
    },
  };
}

/** `npm start` calls this at boot, after migrations and before the worker starts. */
export async function reconcile(): Promise<ReconcileResult> {
  return reconcileWith(reconcileDeps(), 'startup');
}

/** The schedule (EventBridge in AWS, the local cloud's timer) runs the sweep every few minutes. */
export async function handler(): Promise<ReconcileResult> {
  return reconcileWith(reconcileDeps(), 'schedule');
}
