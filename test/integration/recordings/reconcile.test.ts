import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { STATE_BUDGET_SECONDS } from '../../../functions/recordings/lifecycle';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { reconcileWith, sourceCreatedEvent, type ReconcileDeps } from '../../../functions/recordings/reconcile';
import { RecordingStore, type RecordingRecord } from '../../../functions/recordings/recording-store';
import { RecordingsService } from '../../../functions/recordings/recordings-service';
import { handler as transcodeHandler, setTranscodeDepsForTesting } from '../../../functions/recordings/transcode';
import type { BurnInJob, TranscribeJob } from '../../../functions/shared/protocol/recordings';
import { seedQueuedRecording, speechFlac, speechVideo } from './fixtures';
import { BUCKET, startStandIns, type StandIns } from './stand-ins';

jest.setTimeout(180_000);

let standIns: StandIns;
let store: RecordingStore;
let storage: S3MediaStorage;
let service: RecordingsService;
let dir: string;
const notified: RecordingRecord[] = [];

beforeAll(async () => {
  standIns = await startStandIns({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  store = new RecordingStore(standIns.sql);
  storage = new S3MediaStorage(standIns.s3, BUCKET);
  service = new RecordingsService({
    store,
    storage,
    enqueueBurnIn: async () => undefined,
    notify: async () => undefined,
  });
  setTranscodeDepsForTesting({
    store,
    storage,
    enqueueTranscription: async () => undefined,
    pokeScaler: async () => undefined,
    notify: async () => undefined,
    maxSeconds: 600,
  });
  dir = mkdtempSync(join(tmpdir(), 'reconcile-it-'));
});

afterAll(async () => {
  setTranscodeDepsForTesting(undefined);
  await standIns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function deps(overrides: Partial<ReconcileDeps> = {}): ReconcileDeps {
  return {
    store,
    storage,
    enqueueTranscription: async () => undefined,
    enqueueBurnIn: async () => undefined,
    retryTranscode: async () => undefined,
    notify: async (r) => void notified.push(r),
    ...overrides,
  };
}

/** Uploads a real file's parts through the service, as a page does, without completing the upload. */
async function uploadParts(owner: string): Promise<{ id: string; parts: { partNumber: number; etag: string }[] }> {
  const body = readFileSync(speechVideo(dir));
  const created = await service.create(owner, {
    fileName: 'talk.webm',
    contentType: 'video/webm',
    sizeBytes: body.length,
  });
  const parts = [];
  for (const part of created.upload.parts) {
    const slice = body.subarray(
      (part.partNumber - 1) * created.upload.partSize,
      part.partNumber * created.upload.partSize,
    );
    const response = await fetch(part.url, { method: 'PUT', body: new Uint8Array(slice) });
    parts.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
  }
  return { id: created.recording.id, parts };
}

/** Uploads a real file through the service and completes it: the recording waits in `transcoding`. */
async function uploadedRecording(owner: string): Promise<string> {
  const { id, parts } = await uploadParts(owner);
  expect((await service.complete(owner, id, { parts })).status).toBe('transcoding');
  return id;
}

/** S3 assembles the upload, then the process dies before the row records it (and before S3's event is handled). */
async function completedInS3Only(owner: string): Promise<string> {
  const { id, parts } = await uploadParts(owner);
  const { sourceKey, uploadId } = (await store.get(id))!;
  await storage.completeMultipart(sourceKey, uploadId!, parts);
  return id;
}

async function age(id: string, seconds: number): Promise<void> {
  await standIns.sql.execute(
    `UPDATE recordings SET updated_at = now() - make_interval(secs => :seconds) WHERE id = :id`,
    {
      id,
      seconds,
    },
  );
}

it('re-enqueues recordings whose job the queue lost, and leaves finished ones alone', async () => {
  const flac = speechFlac(dir, 1);
  // Two recordings waiting for a worker whose messages were lost (an in-memory queue restarted)…
  const lost = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  const running = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  await store.markTranscribing(running.recordingId, 40);
  // …and one that failed, which must stay as it is.
  const failed = await seedQueuedRecording(standIns, flac, { durationSeconds: 5, send: false });
  await store.markFailed(failed.recordingId, 'gone');

  const burnIns: BurnInJob[] = [];
  const enqueue = async (job: TranscribeJob) => {
    await standIns.sqs.send(new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }));
  };
  const result = await reconcileWith(
    deps({ enqueueTranscription: enqueue, enqueueBurnIn: async (j) => void burnIns.push(j) }),
  );

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

  // Re-sending a lost job at start-up is free: a queue that loses messages at every restart never fails a recording.
  for (let i = 0; i < 4; i++) await reconcileWith(deps());
  expect((await store.get(lost.recordingId))!.status).toBe('queued');

  // On the schedule, only work past its state's budget is taken.
  expect(await reconcileWith(deps(), 'schedule')).toEqual({
    transcriptions: [],
    transcodes: [],
    failed: [],
    exports: [],
  });
});

it('re-runs a transcode that a crash left in `transcoding`, and the retried run finishes it', async () => {
  const id = await uploadedRecording('guest:crash');
  const result = await reconcileWith(
    deps({
      retryTranscode: async (r) => {
        await transcodeHandler(sourceCreatedEvent(BUCKET, r.sourceKey) as S3Event);
      },
    }),
  );
  expect(result.transcodes).toContain(id);
  expect((await store.get(id))!.status).toBe('queued');
});

it('fails a recording whose transcode keeps dying, with a reason in words, after a bounded number of tries', async () => {
  const id = await uploadedRecording('guest:doomed');
  const tries: string[] = [];
  const crashing = deps({ retryTranscode: async (r) => void tries.push(r.id) });
  for (let i = 0; i < 5; i++) await reconcileWith(crashing);
  expect(tries.filter((t) => t === id)).toHaveLength(2);
  const [summary] = (await service.list('guest:doomed')).filter((r) => r.id === id);
  expect(summary).toMatchObject({ status: 'failed' });
  expect(summary!.failureReason).toMatch(/^Converting the recording did not finish \(tried 3 times/);
  expect(notified.find((r) => r.id === id)).toMatchObject({ status: 'failed' });
});

it('on the schedule: fails an upload left unfinished past its budget and frees its parts; resume is refused', async () => {
  const owner = 'guest:abandoned';
  const created = await service.create(owner, { fileName: 'x.webm', contentType: 'video/webm', sizeBytes: 10 });
  const id = created.recording.id;
  await fetch(created.upload.parts[0]!.url, { method: 'PUT', body: '0123456789' });
  const { sourceKey, uploadId } = (await store.get(id))!;
  await age(id, STATE_BUDGET_SECONDS.uploading - 60);
  expect((await reconcileWith(deps(), 'schedule')).failed).not.toContain(id);
  await age(id, STATE_BUDGET_SECONDS.uploading + 60);
  expect((await reconcileWith(deps(), 'schedule')).failed).toContain(id);
  const record = (await store.get(id))!;
  expect(record.status).toBe('failed');
  expect(record.failureReason).toBe('The upload was not finished within 24 hours; upload the file again');
  expect(await storage.listParts(sourceKey, uploadId!)).toBeNull();
  await expect(service.parts(owner, id, [1])).rejects.toThrow(/failed/);
});

it('on the schedule: a transcription without progress past its budget is retried, then failed', async () => {
  const job = await seedQueuedRecording(standIns, speechFlac(dir, 1), { durationSeconds: 5, send: false });
  await store.markTranscribing(job.recordingId, 10);
  const sent: TranscribeJob[] = [];
  const sweep = deps({ enqueueTranscription: async (j) => void sent.push(j) });
  for (let i = 0; i < 3; i++) {
    // The retried job is taken and stalls again.
    if ((await store.get(job.recordingId))!.status === 'queued') await store.markTranscribing(job.recordingId, 10);
    await age(job.recordingId, STATE_BUDGET_SECONDS.transcribing + 1);
    await reconcileWith(sweep, 'schedule');
  }
  expect(sent.map((j) => j.jobId)).toEqual([job.jobId, job.jobId]);
  const record = (await store.get(job.recordingId))!;
  expect(record.status).toBe('failed');
  expect(record.failureReason).toMatch(/^Transcription stopped making progress for 30 min \(tried 3 times\)/);
});

it("takes an upload S3 completed before a crash as finished: the page's retried completion and resume go on", async () => {
  const owner = 'guest:cut-after-s3';
  const retried = await completedInS3Only(owner);
  const stored = await storage.size((await store.get(retried))!.sourceKey);
  const summary = await service.complete(owner, retried, { parts: [{ partNumber: 1, etag: '"gone"' }] });
  expect(summary).toMatchObject({ status: 'transcoding', sizeBytes: stored });
  // A page that resumes instead learns the upload is finished (409), never gets URLs for an upload S3 no longer has.
  const resumed = await completedInS3Only(owner);
  await expect(service.parts(owner, resumed, [1])).rejects.toThrow(
    'This recording is transcoding; its upload is finished',
  );
  expect((await store.get(resumed))!.status).toBe('transcoding');
});

it('at start-up, re-sends the S3 event a crash lost between completing an upload and recording it', async () => {
  const id = await completedInS3Only('guest:lost-event');
  const result = await reconcileWith(
    deps({
      retryTranscode: async (r) => {
        await transcodeHandler(sourceCreatedEvent(BUCKET, r.sourceKey) as S3Event);
      },
    }),
  );
  expect(result.transcodes).toContain(id);
  expect((await store.get(id))!.status).toBe('queued');
  // An upload still in progress is the page's to finish: start-up leaves it alone.
  const unfinished = await uploadParts('guest:lost-event');
  expect((await reconcileWith(deps())).transcodes).not.toContain(unfinished.id);
  expect((await store.get(unfinished.id))!.status).toBe('uploading');
});

it('deletes a recording in any state, with all its objects', async () => {
  const transcoding = await uploadedRecording('guest:deleter');
  const queued = await seedQueuedRecording(standIns, speechFlac(dir, 1), { durationSeconds: 5, send: false });
  await service.remove('guest:deleter', transcoding);
  await service.remove(queued.ownerId, queued.recordingId);
  for (const id of [transcoding, queued.recordingId]) expect(await store.get(id)).toBeNull();
  expect(await storage.size(queued.audioKey)).toBeNull();
  expect(await storage.size(`uploads/guest~3adeleter/${transcoding}/source`)).toBeNull();
});
