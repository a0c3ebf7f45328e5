import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { reconcileWith } from '../../../functions/recordings/reconcile';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import type { BurnInJob, TranscribeJob } from '../../../functions/shared/protocol/recordings';
import { seedQueuedRecording, speechFlac } from './fixtures';
import { BUCKET, startStandIns, type StandIns } from './stand-ins';

jest.setTimeout(120_000);

let standIns: StandIns;
let dir: string;

beforeAll(async () => {
  standIns = await startStandIns({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  dir = mkdtempSync(join(tmpdir(), 'reconcile-it-'));
});

afterAll(async () => {
  await standIns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('re-enqueues recordings whose job the queue lost, and leaves finished ones alone', async () => {
  const store = new RecordingStore(standIns.sql);
  const flac = speechFlac(dir, 1);
  // Two recordings waiting for a worker whose messages were lost (an in-memory queue restarted)…
  const lost = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  const running = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  await store.markTranscribing(running.recordingId, 40);
  // …and one that failed, which must stay as it is.
  const failed = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  await store.markFailed(failed.recordingId, 'gone');

  const burnIns: BurnInJob[] = [];
  const result = await reconcileWith({
    store,
    bucket: BUCKET,
    enqueueTranscription: async (job) => {
      await standIns.sqs.send(
        new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }),
      );
    },
    enqueueBurnIn: async (job) => void burnIns.push(job),
  });

  expect(result.transcriptions.sort()).toEqual([lost.recordingId, running.recordingId].sort());
  const out = await standIns.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: standIns.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const jobs = (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as TranscribeJob);
  expect(jobs.map((j) => j.jobId).sort()).toEqual([lost.jobId, running.jobId].sort());
  expect(jobs.find((j) => j.recordingId === lost.recordingId)).toEqual(lost);
  // A job that was running when the queue forgot it waits again as queued (its progress would be a lie).
  expect((await store.get(running.recordingId))!.status).toBe('queued');
  expect((await store.get(failed.recordingId))!.status).toBe('failed');
  expect(burnIns).toEqual([]);

  // With an age, only work that has been stuck that long is taken.
  expect(
    await reconcileWith(
      { store, bucket: BUCKET, enqueueTranscription: async () => undefined, enqueueBurnIn: async () => undefined },
      3600,
    ),
  ).toEqual({
    transcriptions: [],
    exports: [],
  });
});
