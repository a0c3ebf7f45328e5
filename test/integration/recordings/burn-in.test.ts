import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { handler, setBurnInDepsForTesting } from '../../../functions/recordings/burn-in';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { RecordingStore, type RecordingRecord } from '../../../functions/recordings/recording-store';
import { toSrt } from '../../../functions/recordings/subtitles';
import { recordingKeys } from '../../../functions/shared/protocol/recordings';
import { BUCKET, startStandIns, type StandIns } from './stand-ins';

jest.setTimeout(120_000);

let standIns: StandIns;
let store: RecordingStore;
let storage: S3MediaStorage;
let dir: string;
const notified: RecordingRecord[] = [];

beforeAll(async () => {
  standIns = await startStandIns({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  store = new RecordingStore(standIns.sql);
  storage = new S3MediaStorage(standIns.s3, BUCKET);
  setBurnInDepsForTesting({ store, storage, notify: async (r) => void notified.push(r) });
  dir = mkdtempSync(join(tmpdir(), 'burn-in-it-'));
});

afterAll(async () => {
  setBurnInDepsForTesting(undefined);
  await standIns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A ready recording with a 3 s grey video and subtitle version 1 ("SUBTITLE TEST" for the whole time). */
async function readyRecording(): Promise<string> {
  const id = randomUUID();
  const owner = 'guest:burn';
  const video = join(dir, `${id}.mp4`);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:size=320x240:rate=10'],
    ...['-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '3', '-c:v', 'libx264', '-c:a', 'aac', video],
  ]);
  await store.create({
    id,
    ownerId: owner,
    roomId: null,
    title: 't',
    fileName: 't.mp4',
    contentType: 'video/mp4',
    sizeBytes: 1,
    sourceKey: recordingKeys.source(owner, id),
    uploadId: 'x',
    partCount: 1,
    language: 'en',
    translate: false,
  });
  await store.claimForTranscode(id);
  await store.recordMedia(id, {
    durationSeconds: 3,
    width: 320,
    height: 240,
    mp4Key: recordingKeys.mp4(id),
    posterKey: null,
    audioKey: recordingKeys.audio(id),
    transcribeJobId: `${id}:transcribe`,
  });
  await storage.upload(recordingKeys.mp4(id), video, 'video/mp4');
  await storage.putText(
    recordingKeys.subtitles(id, 1, 'srt'),
    toSrt([{ start: 0, end: 3, text: 'SUBTITLE TEST' }]),
    'application/x-subrip',
  );
  await store.recordTranscript(id, { version: 1, engine: 'test', language: 'en', cueCount: 1, createdBy: 'test' });
  expect(await store.requestExport(id, 1)).toBe(true);
  return id;
}

/** The bottom quarter of the frame at 1.5 s as grey bytes: where the subtitles are drawn. */
function bottomStrip(file: string): Buffer {
  return execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-ss', '1.5', '-i', file, '-frames:v', '1'],
    ...['-vf', 'crop=iw:ih/4:0:ih*3/4,format=gray', '-f', 'rawvideo', '-'],
  ]);
}

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      attributes: {} as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:burn-in',
      awsRegion: 'us-east-1',
    })),
  };
}

it('burns the subtitles into a new MP4 and reports a malformed message as its own batch failure', async () => {
  const id = await readyRecording();
  const result = await handler(
    sqsEvent([JSON.stringify({ recordingId: id, ownerId: 'guest:burn', version: 1 }), 'not json']),
  );
  expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);

  const r = (await store.get(id))!;
  expect(r.exportStatus).toBe('ready');
  expect(r.exportKey).toBe(`media/${id}/subtitled-v1.mp4`);
  const original = join(dir, 'original.mp4');
  const burned = join(dir, 'burned.mp4');
  await storage.download(r.mp4Key!, original);
  await storage.download(r.exportKey!, burned);
  const a = bottomStrip(original);
  const b = bottomStrip(burned);
  expect(b.length).toBe(a.length);
  const changed = a.reduce((n, v, i) => n + (Math.abs(v - b[i]!) > 40 ? 1 : 0), 0);
  // Text covers a visible part of the strip; a plain re-encode of flat grey changes almost nothing.
  expect(changed / a.length).toBeGreaterThan(0.01);
  expect(notified.filter((n) => n.id === id).map((n) => n.exportStatus)).toEqual(['ready']);
});

it('acknowledges a request that a newer one replaced, doing nothing', async () => {
  const id = await readyRecording();
  await store.setExport(id, 1, 'ready', { key: 'media/x' });
  const result = await handler(sqsEvent([JSON.stringify({ recordingId: id, ownerId: 'guest:burn', version: 1 })]));
  expect(result.batchItemFailures).toEqual([]);
  expect(await storage.size(recordingKeys.burned(id, 1))).toBeNull();
});
