import { sqs } from '../shared/aws-clients';
import { optionalEnv, requireEnv } from '../shared/env';
import { logger } from '../shared/logger';
import type { BurnInJob, TranscribeJob } from '../shared/protocol/recordings';
import { getSql } from '../shared/sql/sql';
import { sendJson } from './queues';
import { RecordingStore } from './recording-store';
import { transcribeJobId } from './transcode-pipeline';

export interface ReconcileDeps {
  store: RecordingStore;
  bucket: string;
  enqueueTranscription(job: TranscribeJob): Promise<void>;
  enqueueBurnIn(job: BurnInJob): Promise<void>;
}

export interface ReconcileResult {
  transcriptions: string[];
  exports: string[];
}

/**
 * Re-enqueues work the queue may have lost: the local SQS stand-in keeps messages in memory, so after a restart
 * recordings sit in queued/transcribing with no message. Re-sending is safe: job ids are deterministic and the
 * worker acknowledges a finished job without doing it again. In AWS, run it with an age (a job older than the
 * queue's retention is gone for good).
 */
export async function reconcileWith(deps: ReconcileDeps, olderThanSeconds = 0): Promise<ReconcileResult> {
  const result: ReconcileResult = { transcriptions: [], exports: [] };
  for (const r of await deps.store.listStuck(olderThanSeconds)) {
    if (!r.audioKey) continue;
    await deps.store.markQueued(r.id);
    await deps.enqueueTranscription({
      jobId: r.transcribeJobId ?? transcribeJobId(r.id),
      recordingId: r.id,
      ownerId: r.ownerId,
      bucket: deps.bucket,
      audioKey: r.audioKey,
      durationSeconds: r.durationSeconds,
      language: r.language,
      translate: r.translate,
    });
    result.transcriptions.push(r.id);
  }
  for (const r of await deps.store.listStuckExports(olderThanSeconds)) {
    if (r.exportVersion === null) continue;
    await deps.enqueueBurnIn({ recordingId: r.id, ownerId: r.ownerId, version: r.exportVersion });
    result.exports.push(r.id);
  }
  if (result.transcriptions.length || result.exports.length) logger.info('re-enqueued stuck work', { ...result });
  return result;
}

/** `npm start` calls this at boot, after migrations and before the worker starts. */
export async function reconcile(options: { olderThanSeconds?: number } = {}): Promise<ReconcileResult> {
  const burnInQueue = optionalEnv('BURN_IN_QUEUE_URL');
  return reconcileWith(
    {
      store: new RecordingStore(getSql()),
      bucket: requireEnv('RECORDINGS_BUCKET'),
      enqueueTranscription: (job) => sendJson(sqs(), requireEnv('TRANSCRIBE_QUEUE_URL'), job),
      enqueueBurnIn: async (job) => {
        if (burnInQueue) await sendJson(sqs(), burnInQueue, job);
      },
    },
    options.olderThanSeconds ?? 0,
  );
}
