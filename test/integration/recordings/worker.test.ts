import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import type { TranscribeJob } from '../../../functions/shared/protocol/recordings';
import type { TranscriptionEngine } from '../../../containers/whisper/src/engines/engine';
import { PocketsphinxEngine } from '../../../containers/whisper/src/engines/pocketsphinx';
import { noProtection } from '../../../containers/whisper/src/instance-protection';
import { TranscriptionWorker } from '../../../containers/whisper/src/worker';
import { KEYWORDS, seedQueuedRecording, speechFlac, vttWords } from './fixtures';
import { BUCKET, startStandIns, type StandIns } from './stand-ins';

jest.setTimeout(180_000);

const VISIBILITY = 10;
const MAX_RECEIVES = 3;
let standIns: StandIns;
let store: RecordingStore;
let dir: string;
let shortSpeech: string;

beforeAll(async () => {
  standIns = await startStandIns({ visibilityTimeoutSeconds: VISIBILITY, maxReceiveCount: MAX_RECEIVES });
  store = new RecordingStore(standIns.sql);
  dir = mkdtempSync(join(tmpdir(), 'worker-it-'));
  shortSpeech = speechFlac(dir, 1);
});

afterAll(async () => {
  await standIns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function worker(engine: TranscriptionEngine, visibilityTimeoutSeconds = VISIBILITY): TranscriptionWorker {
  return new TranscriptionWorker(
    {
      sqs: standIns.sqs,
      store,
      storageFor: (bucket) => new S3MediaStorage(standIns.s3, bucket),
      engine,
      notify: async () => undefined,
      ffmpeg: 'ffmpeg',
      workerId: 'test-worker',
      protection: noProtection,
      log: () => undefined,
    },
    {
      queueUrl: standIns.queueUrl,
      visibilityTimeoutSeconds,
      heartbeatSeconds: visibilityTimeoutSeconds / 3,
      maxReceiveCount: MAX_RECEIVES,
      waitTimeSeconds: 1,
      errorBackoffMs: 200,
    },
  );
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function queueCounts(url: string): Promise<{ visible: number; inFlight: number }> {
  const out = await standIns.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

async function drainDlq(): Promise<string[]> {
  const out = await standIns.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: standIns.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

async function jobRow(jobId: string) {
  const rows = await standIns.sql.query<{ status: string; attempts: number; last_error: string | null }>(
    'SELECT status, attempts, last_error FROM transcription_jobs WHERE job_id = :jobId',
    { jobId },
  );
  return rows[0];
}

async function versionCount(recordingId: string): Promise<number> {
  return (await store.versions(recordingId)).length;
}

/** Fails like a broken engine: every attempt throws. */
const brokenEngine: TranscriptionEngine = {
  name: 'broken',
  canTranslate: false,
  canDetectLanguage: false,
  transcribe: async () => {
    throw new Error('engine crashed: CUDA error 700');
  },
};

const pocketsphinx = new PocketsphinxEngine({ binary: 'pocketsphinx_continuous' });

describe(`transcription worker on fauxqs + s3rver + Data API emulator`, () => {
  it('makes one result from a job delivered twice, and the subtitles hold the spoken words', async () => {
    const job = await seedQueuedRecording(standIns, shortSpeech, { durationSeconds: 5 });
    // The duplicate SQS may deliver (at-least-once), as a second message with the same job id.
    await standIns.sqs.send(new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }));
    const w = worker(pocketsphinx);
    const running = w.run();
    await until('both deliveries handled', async () => (w.outcomes.done ?? 0) + (w.outcomes['already-done'] ?? 0) >= 2);
    await w.stop();
    await running;

    expect(w.outcomes).toEqual({ done: 1, 'already-done': 1 });
    const recording = (await store.get(job.recordingId))!;
    expect(recording.status).toBe('ready');
    expect(recording.subtitleVersion).toBe(1);
    expect(await versionCount(job.recordingId)).toBe(1);
    expect(await jobRow(job.jobId)).toEqual({ status: 'done', attempts: 1, last_error: null });
    expect(await queueCounts(standIns.queueUrl)).toEqual({ visible: 0, inFlight: 0 });

    const vtt = await (
      await standIns.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `subtitles/${job.recordingId}/v1.vtt` }))
    ).Body!.transformToString();
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    const heard = new Set(vttWords(vtt));
    expect(KEYWORDS.filter((k) => heard.has(k)).length).toBeGreaterThanOrEqual(Math.ceil(KEYWORDS.length / 2));
  });

  it('sends a job that keeps failing to the DLQ after maxReceiveCount, with its error recorded', async () => {
    const job = await seedQueuedRecording(standIns, shortSpeech, { durationSeconds: 5 });
    // A short visibility so the retry comes back within the test.
    const w = worker(brokenEngine, 2);
    const running = w.run();
    await until('the job to reach the DLQ', async () => {
      const dlq = await drainDlq();
      return dlq.length > 0 ? dlq : undefined;
    }).then((bodies) => expect(bodies.map((b) => (JSON.parse(b) as TranscribeJob).jobId)).toEqual([job.jobId]));
    await w.stop();
    await running;

    expect(w.outcomes).toEqual({ retry: MAX_RECEIVES - 1, 'failed-final': 1 });
    const recording = (await store.get(job.recordingId))!;
    expect(recording.status).toBe('failed');
    expect(recording.failureReason).toBe(
      `Transcription failed after ${MAX_RECEIVES} attempts: engine crashed: CUDA error 700`,
    );
    expect(await jobRow(job.jobId)).toEqual({
      status: 'failed',
      attempts: MAX_RECEIVES,
      last_error: 'engine crashed: CUDA error 700',
    });
  });

  it('moves a malformed message to the DLQ without touching any recording', async () => {
    await standIns.sqs.send(new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: '{"jobId":1}' }));
    const w = worker(brokenEngine, 2);
    const running = w.run();
    const bodies = await until('the malformed message in the DLQ', async () => {
      const dlq = await drainDlq();
      return dlq.length > 0 ? dlq : undefined;
    });
    await w.stop();
    await running;
    expect(bodies).toEqual(['{"jobId":1}']);
    expect(w.outcomes).toEqual({ poison: MAX_RECEIVES });
  });
});

describe('transcription worker process', () => {
  let longSpeech: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    longSpeech = speechFlac(dir, 4);
  });

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function startWorkerProcess(): ChildProcess {
    // `node --import tsx` runs the worker in this one process: the tsx CLI would put it in a grandchild that a
    // SIGKILL to the CLI leaves running.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../../../containers/whisper/src/main.ts')],
      {
        cwd: join(__dirname, '../../..'),
        env: {
          ...process.env,
          ...standIns.env,
          TRANSCRIBE_ENGINE: 'pocketsphinx',
          VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY),
          MAX_RECEIVE_COUNT: String(MAX_RECEIVES),
          WAIT_TIME_SECONDS: '1',
          INSTANCE_PROTECTION: 'off',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[worker ${child.pid}] ${d.toString()}`));
    children.push(child);
    return child;
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );

  it('hands the job back at once on SIGTERM and exits; the job is then done by another worker', async () => {
    const job = await seedQueuedRecording(standIns, longSpeech, { durationSeconds: 20 });
    const first = startWorkerProcess();
    await until(
      'the first worker to start the job',
      async () => (await store.get(job.recordingId))!.status === 'transcribing',
    );
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);

    // Visible again without waiting out the visibility timeout: handed back with visibility 0.
    const again = await standIns.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: standIns.queueUrl,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.map((m) => (JSON.parse(m.Body!) as TranscribeJob).jobId)).toEqual([job.jobId]);
    expect((await store.get(job.recordingId))!.status).toBe('queued');
    await standIns.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: standIns.queueUrl,
        ReceiptHandle: again.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    const second = startWorkerProcess();
    await until('the second worker to finish', async () => (await store.get(job.recordingId))!.status === 'ready');
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    expect(await versionCount(job.recordingId)).toBe(1);
  });

  it('retries a job whose worker crashed mid-job (SIGKILL) once its visibility times out', async () => {
    const job = await seedQueuedRecording(standIns, longSpeech, { durationSeconds: 20 });
    const first = startWorkerProcess();
    await until(
      'the first worker to start the job',
      async () => (await store.get(job.recordingId))!.status === 'transcribing',
    );
    first.kill('SIGKILL');
    await exited(first);
    expect((await jobRow(job.jobId))!.status).toBe('running');

    const second = startWorkerProcess();
    await until('the retry to finish', async () => (await store.get(job.recordingId))!.status === 'ready', 150_000);
    second.kill('SIGTERM');
    await exited(second);

    expect(await jobRow(job.jobId)).toEqual({ status: 'done', attempts: 2, last_error: null });
    expect(await versionCount(job.recordingId)).toBe(1);
    expect(await queueCounts(standIns.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });
});
