import type { S3Event } from 'aws-lambda';
import { lambda, s3, sqs } from '../shared/aws-clients';
import { intEnv, optionalEnv, requireEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { DEFAULT_MAX_DURATION_SECONDS, parseSourceKey } from '../shared/protocol/recordings';
import { getSql } from '../shared/sql/sql';
import { S3MediaStorage } from './media-storage';
import { notifyOwner } from './notify';
import { pokeScaler, sendJson } from './queues';
import { RecordingStore } from './recording-store';
import { transcodeRecording, type TranscodeDeps, type TranscodeOutcome } from './transcode-pipeline';

let deps: TranscodeDeps | undefined;

function transcodeDeps(): TranscodeDeps {
  return (deps ??= {
    store: new RecordingStore(getSql()),
    storage: new S3MediaStorage(s3(), requireEnv('RECORDINGS_BUCKET')),
    enqueueTranscription: (job) => sendJson(sqs(), requireEnv('TRANSCRIBE_QUEUE_URL'), job),
    pokeScaler: (job) =>
      pokeScaler(lambda(), optionalEnv('SCALER_FUNCTION_NAME'), {
        jobId: job.jobId,
        mediaSeconds: job.durationSeconds,
      }),
    notify: async (r) => {
      await notifyOwner(r);
    },
    maxSeconds: intEnv('RECORDINGS_MAX_SECONDS', DEFAULT_MAX_DURATION_SECONDS),
  });
}

/** S3 reports keys URL-encoded with '+' for spaces (s3rver does not encode; decoding our safe keys is a no-op). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * S3 `ObjectCreated` under `uploads/`. Errors other than a bad recording (which ends `failed` with a reason)
 * propagate, so Lambda's async retries and the on-failure destination see them.
 */
export async function handler(event: S3Event): Promise<{ outcomes: Record<string, TranscodeOutcome> }> {
  const d = transcodeDeps();
  const outcomes: Record<string, TranscodeOutcome> = {};
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated')) continue;
    if (record.s3.bucket.name !== d.storage.bucket) {
      logger.warn('event from another bucket ignored', { bucket: record.s3.bucket.name });
      continue;
    }
    const key = decodeS3Key(record.s3.object.key);
    const parsed = parseSourceKey(key);
    if (!parsed) {
      logger.warn('object outside the uploads layout ignored', { key });
      continue;
    }
    logger.appendKeys({ recordingId: parsed.recordingId });
    outcomes[parsed.recordingId] = await transcodeRecording(parsed.recordingId, d);
    logger.info('transcode finished', { outcome: outcomes[parsed.recordingId] });
  }
  return { outcomes };
}

/** For tests: run the handler over other adapters. */
export function setTranscodeDepsForTesting(value: TranscodeDeps | undefined): void {
  deps = value;
}
