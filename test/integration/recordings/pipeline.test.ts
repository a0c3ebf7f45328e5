import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { RecordingStore, type RecordingRecord } from '../../../functions/recordings/recording-store';
import { RecordingsService } from '../../../functions/recordings/recordings-service';
import { handler as transcodeHandler, setTranscodeDepsForTesting } from '../../../functions/recordings/transcode';
import { NotFound, PayloadTooLarge, Conflict, BadRequest } from '../../../functions/shared/errors';
import {
  LIVE_RECORDING_DECLARED_BYTES,
  LOCAL_SPEECH_ENGINE,
  S3_MIN_PART_BYTES,
  UPLOAD_PART_SIZE,
  type BurnInJob,
  type RecordingStatus,
  type TranscribeJob,
} from '../../../functions/shared/protocol/recordings';
import { PocketsphinxEngine } from '../../../containers/whisper/src/engines/pocketsphinx';
import { noProtection } from '../../../containers/whisper/src/instance-protection';
import { TranscriptionWorker } from '../../../containers/whisper/src/worker';
import { KEYWORDS, SENTENCE, speechVideo, vttWords } from './fixtures';
import { isTerminal } from '../../../functions/recordings/lifecycle';
import { BUCKET, startStandIns, type StandIns } from './stand-ins';

jest.setTimeout(240_000);

let standIns: StandIns;
let store: RecordingStore;
let storage: S3MediaStorage;
let service: RecordingsService;
let dir: string;
const statusLog: { id: string; status: RecordingStatus; percent: number | null }[] = [];
const burnInJobs: BurnInJob[] = [];

beforeAll(async () => {
  // PGlite: the database `npm start` embeds.
  standIns = await startStandIns({ backend: 'pglite', visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  store = new RecordingStore(standIns.sql);
  storage = new S3MediaStorage(standIns.s3, BUCKET);
  const notify = async (r: RecordingRecord) => {
    statusLog.push({ id: r.id, status: r.status, percent: r.percent });
  };
  service = new RecordingsService({
    store,
    storage,
    enqueueBurnIn: async (job) => {
      burnInJobs.push(job);
    },
    notify,
  });
  setTranscodeDepsForTesting({
    store,
    storage,
    enqueueTranscription: async (job: TranscribeJob) => {
      await standIns.sqs.send(
        new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }),
      );
    },
    pokeScaler: async () => undefined,
    notify,
    maxSeconds: 600,
  });
  dir = mkdtempSync(join(tmpdir(), 'pipeline-it-'));
});

afterAll(async () => {
  setTranscodeDepsForTesting(undefined);
  await standIns?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the browser does with the plan: PUT each slice to its presigned URL and keep the ETags. */
async function uploadParts(
  parts: { partNumber: number; url: string }[],
  partSize: number,
  body: Buffer,
): Promise<{ partNumber: number; etag: string }[]> {
  const done: { partNumber: number; etag: string }[] = [];
  for (const part of parts) {
    const slice = body.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize);
    const response = await fetch(part.url, { method: 'PUT', body: new Uint8Array(slice) });
    expect(response.status).toBe(200);
    done.push({ partNumber: part.partNumber, etag: response.headers.get('etag')! });
  }
  return done;
}

/** The S3 notifications for one source key, as the local gateway would pass them to Transcode. */
function eventsFor(recordingId: string): S3Event {
  return {
    Records: standIns.s3Events.flatMap((e) => e.Records).filter((r) => r.s3.object.key.includes(recordingId)),
  };
}

async function uploadFile(owner: string, file: string, fileName: string, contentType: string) {
  const body = readFileSync(file);
  const created = await service.create(owner, { fileName, contentType, sizeBytes: body.length });
  const etags = await uploadParts(created.upload.parts, created.upload.partSize, body);
  const completed = await service.complete(owner, created.recording.id, { parts: etags });
  return { id: created.recording.id, completed };
}

/** Runs a transcription worker (pocketsphinx) until every one of `ids` has reached a terminal state. */
async function transcribeUntilSettled(ids: string[]): Promise<void> {
  const worker = new TranscriptionWorker(
    {
      sqs: standIns.sqs,
      store,
      storageFor: (bucket) => new S3MediaStorage(standIns.s3, bucket),
      engine: new PocketsphinxEngine({ binary: 'pocketsphinx_continuous' }),
      notify: async (r) => {
        statusLog.push({ id: r.id, status: r.status, percent: r.percent });
      },
      ffmpeg: 'ffmpeg',
      workerId: 'pipeline-test',
      protection: noProtection,
      log: () => undefined,
    },
    {
      queueUrl: standIns.queueUrl,
      visibilityTimeoutSeconds: 30,
      heartbeatSeconds: 10,
      maxReceiveCount: 3,
      waitTimeSeconds: 1,
    },
  );
  const running = worker.run();
  const deadline = Date.now() + 120_000;
  const settled = async () =>
    (await Promise.all(ids.map((id) => store.get(id)))).every((r) => r && isTerminal(r.status));
  while (!(await settled()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  await worker.stop();
  await running;
}

describe('recordings pipeline on s3rver + fauxqs + Data API emulator (PGlite) + ffmpeg + pocketsphinx', () => {
  it('turns an uploaded meeting video into MP4, poster and subtitles that contain the spoken words', async () => {
    const owner = 'guest:alice';
    const video = speechVideo(dir);
    const { id, completed } = await uploadFile(owner, video, 'standup.webm', 'video/webm;codecs=vp8,opus');
    expect(completed.status).toBe('transcoding');

    const result = await transcodeHandler(eventsFor(id));
    expect(result.outcomes).toEqual({ [id]: 'queued' });
    // A redelivered S3 event changes nothing (the job is already queued and not yet taken).
    expect((await transcodeHandler(eventsFor(id))).outcomes).toEqual({ [id]: 're-enqueued' });

    const queued = (await store.get(id))!;
    expect(queued.status).toBe('queued');
    expect(queued.durationSeconds).toBeGreaterThan(4);
    for (const key of [queued.mp4Key!, queued.posterKey!, queued.audioKey!]) {
      const head = await standIns.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ContentLength).toBeGreaterThan(0);
    }
    // +faststart: the moov atom comes before mdat, so playback starts before the download ends.
    const mp4 = Buffer.from(
      await (
        await standIns.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: queued.mp4Key! }))
      ).Body!.transformToByteArray(),
    );
    expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));

    const worker = new TranscriptionWorker(
      {
        sqs: standIns.sqs,
        store,
        storageFor: (bucket) => new S3MediaStorage(standIns.s3, bucket),
        engine: new PocketsphinxEngine({ binary: 'pocketsphinx_continuous' }),
        notify: async (r) => {
          statusLog.push({ id: r.id, status: r.status, percent: r.percent });
        },
        ffmpeg: 'ffmpeg',
        workerId: 'pipeline-test',
        protection: noProtection,
        log: () => undefined,
      },
      {
        queueUrl: standIns.queueUrl,
        visibilityTimeoutSeconds: 30,
        heartbeatSeconds: 10,
        maxReceiveCount: 3,
        waitTimeSeconds: 1,
      },
    );
    const running = worker.run();
    const deadline = Date.now() + 120_000;
    // Until both deliveries are handled (the event was redelivered once), not only until the first makes it ready:
    // on a loaded machine the second can arrive after that.
    const handled = () => Object.values(worker.outcomes).reduce((sum: number, n) => sum + (n ?? 0), 0);
    while (((await store.get(id))!.status !== 'ready' || handled() < 2) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    await worker.stop();
    await running;
    // Both deliveries: one transcription, one acknowledged as already done.
    expect(worker.outcomes).toEqual({ done: 1, 'already-done': 1 });

    const detail = await service.detail(owner, id);
    expect(detail.status).toBe('ready');
    expect(detail.subtitles?.version).toBe(1);
    expect(detail.versions).toEqual([1]);
    // The page labels this transcript as the local engine's (lower quality).
    expect(detail.transcriptEngine).toBe(LOCAL_SPEECH_ENGINE);
    const vtt = await (await fetch(detail.subtitles!.vtt)).text();
    const heard = new Set(vttWords(vtt));
    const matched = KEYWORDS.filter((k) => heard.has(k));
    expect(matched.length).toBeGreaterThanOrEqual(Math.ceil(KEYWORDS.length / 2));
    const srt = await (await fetch(detail.subtitles!.srt)).text();
    expect(srt).toMatch(/^1\n\d\d:\d\d:\d\d,\d\d\d --> /);
    const json = (await (await fetch(detail.subtitles!.json)).json()) as { words: unknown[]; engine: string };
    expect(json.engine).toBe('pocketsphinx');
    expect(json.words.length).toBeGreaterThan(3);

    // The owner saw the statuses in order.
    const seen = statusLog.filter((s) => s.id === id).map((s) => s.status);
    const order: RecordingStatus[] = ['transcoding', 'queued', 'transcribing', 'ready'];
    expect(order.every((s) => seen.includes(s))).toBe(true);
    expect(seen.indexOf('queued')).toBeLessThan(seen.lastIndexOf('ready'));

    // Editing: a new version; a stale base is refused, never overwritten.
    const version = await service.saveSubtitles(owner, id, 1, [{ start: 0, end: 2, text: 'Hello world' }]);
    expect(version).toBe(2);
    await expect(
      service.saveSubtitles(owner, id, 1, [{ start: 0, end: 2, text: 'lost update' }]),
    ).rejects.toBeInstanceOf(Conflict);
    const edited = await service.detail(owner, id);
    expect(edited.versions).toEqual([1, 2]);
    // An edit keeps the engine's words, so it keeps the engine's label.
    expect(edited.transcriptEngine).toBe(LOCAL_SPEECH_ENGINE);
    expect(await (await fetch(edited.subtitles!.vtt)).text()).toContain('Hello world');

    // Burn-in request queues a job for the latest version, once at a time.
    expect(await service.requestBurnIn(owner, id)).toEqual({ status: 'queued', version: 2, reason: null, url: null });
    await expect(service.requestBurnIn(owner, id)).rejects.toBeInstanceOf(Conflict);
    expect(burnInJobs).toEqual([{ recordingId: id, ownerId: owner, version: 2 }]);

    // Nobody else can see, edit or export it.
    await expect(service.detail('guest:mallory', id)).rejects.toBeInstanceOf(NotFound);
    await expect(
      service.saveSubtitles('guest:mallory', id, 2, [{ start: 0, end: 1, text: 'x' }]),
    ).rejects.toBeInstanceOf(NotFound);
    expect((await service.list('guest:mallory')).map((r) => r.id)).not.toContain(id);
  });

  it('fails a text file renamed .mp4 with a reason, and makes nothing else', async () => {
    const owner = 'guest:bob';
    const fake = join(dir, 'notes.mp4');
    writeFileSync(fake, 'These are meeting notes, not a video.\n'.repeat(20));
    const { id } = await uploadFile(owner, fake, 'notes.mp4', 'video/mp4');
    expect((await transcodeHandler(eventsFor(id))).outcomes).toEqual({ [id]: 'failed' });

    const [summary] = (await service.list(owner)).filter((r) => r.id === id);
    expect(summary).toMatchObject({
      status: 'failed',
      failureReason: 'The file is not a video or audio recording we can read',
    });
    const r = (await store.get(id))!;
    expect([r.mp4Key, r.audioKey, r.posterKey]).toEqual([null, null, null]);
    expect(await storage.size(`media/${id}/video.mp4`)).toBeNull();
  });

  it('refuses an upload larger than declared and discards it', async () => {
    const owner = 'guest:carol';
    const created = await service.create(owner, { fileName: 'a.webm', contentType: 'video/webm', sizeBytes: 1000 });
    const etags = await uploadParts(created.upload.parts, created.upload.partSize, Buffer.alloc(5000, 1));
    await expect(service.complete(owner, created.recording.id, { parts: etags })).rejects.toBeInstanceOf(
      PayloadTooLarge,
    );
    expect(await storage.size(`uploads/${owner.replace(':', '~3a')}/${created.recording.id}/source`)).toBeNull();
    // The recording ends failed with a reason the owner reads, not stuck in `uploading`.
    const [summary] = (await service.list(owner)).filter((r) => r.id === created.recording.id);
    expect(summary).toMatchObject({
      status: 'failed',
      failureReason: 'Uploaded 5000 bytes but declared 1000; the upload was discarded. Upload the file again.',
    });
    // Resuming hands out no URLs for the discarded upload; completing again is refused too.
    await expect(service.parts(owner, created.recording.id, [1])).rejects.toThrow(
      /This recording failed: Uploaded 5000 bytes/,
    );
    await expect(service.complete(owner, created.recording.id, { parts: etags })).rejects.toBeInstanceOf(Conflict);
  });

  it('ends a recording failed, with a reason, when S3 no longer has its upload and holds no file for it', async () => {
    const owner = 'guest:frank';
    const created = await service.create(owner, { fileName: 'c.webm', contentType: 'video/webm', sizeBytes: 10 });
    const etags = await uploadParts(created.upload.parts, created.upload.partSize, Buffer.from('0123456789'));
    const record = (await store.get(created.recording.id))!;
    // What the bucket's rule for incomplete uploads does to an upload left too long.
    await storage.abortMultipart(record.sourceKey, record.uploadId!);

    // Resuming gets no URLs that every part PUT would be refused on (NoSuchUpload), but a clear answer.
    await expect(service.parts(owner, created.recording.id, [1])).rejects.toThrow(/upload no longer exists/);
    const [summary] = (await service.list(owner)).filter((r) => r.id === created.recording.id);
    expect(summary).toMatchObject({
      status: 'failed',
      failureReason: 'The upload was discarded before it was completed. Upload the file again.',
    });
    await expect(service.complete(owner, created.recording.id, { parts: etags })).rejects.toBeInstanceOf(Conflict);
  });

  it('resumes an upload: lists the parts S3 holds and refuses completion while one is missing', async () => {
    const owner = 'guest:dave';
    const created = await service.create(owner, { fileName: 'b.webm', contentType: 'video/webm', sizeBytes: 10 });
    await expect(
      service.complete(owner, created.recording.id, { parts: [{ partNumber: 1, etag: '"x"' }] }),
    ).rejects.toThrow(/Parts not uploaded yet: 1/);
    const [etag] = await uploadParts(created.upload.parts, created.upload.partSize, Buffer.from('0123456789'));
    const resumed = await service.parts(owner, created.recording.id, [1]);
    expect(resumed.uploaded).toEqual([{ partNumber: 1, etag: etag!.etag, size: 10 }]);
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([1]);
    await expect(service.parts(owner, created.recording.id, [2])).rejects.toBeInstanceOf(BadRequest);
    await expect(service.parts('guest:mallory', created.recording.id, [1])).rejects.toBeInstanceOf(NotFound);
    await service.remove(owner, created.recording.id);
    expect(await store.get(created.recording.id)).toBeNull();
  });

  it('refuses a completion that leaves out parts it declared or uploaded', async () => {
    const owner = 'guest:frank';
    const body = Buffer.alloc(2 * UPLOAD_PART_SIZE + 10, 7);
    const created = await service.create(owner, {
      fileName: 'three.webm',
      contentType: 'video/webm',
      sizeBytes: body.length,
    });
    const id = created.recording.id;
    expect(created.upload.partCount).toBe(3);
    const first = await uploadParts(created.upload.parts.slice(0, 2), created.upload.partSize, body);
    // A file declared at 3 parts cannot be completed as 2: the video would be cut off.
    await expect(service.complete(owner, id, { parts: first, partCount: 2 })).rejects.toThrow(
      'This upload was declared as 3 parts (33554442 bytes); complete all 3',
    );
    const all = [...first, ...(await uploadParts(created.upload.parts.slice(2), created.upload.partSize, body))];
    // Nor can a completion leave out a part S3 holds, once all are uploaded.
    await expect(service.complete(owner, id, { parts: first, partCount: 2 })).rejects.toThrow(
      'This upload was declared as 3 parts',
    );
    await expect(service.complete(owner, id, { parts: first })).rejects.toThrow(/^Part 3: /);
    expect((await store.get(id))!.status).toBe('uploading');
    const done = await service.complete(owner, id, { parts: all });
    expect(done).toMatchObject({ status: 'transcoding', sizeBytes: body.length });
    await service.remove(owner, id);
  });

  it('fails an upload smaller than declared with a reason', async () => {
    const owner = 'guest:fay';
    const created = await service.create(owner, { fileName: 'c.webm', contentType: 'video/webm', sizeBytes: 20 });
    const id = created.recording.id;
    // Real S3 refuses a part of another length than the URL signs; the local stand-in does not, so check here.
    const etags = await uploadParts(created.upload.parts, created.upload.partSize, Buffer.alloc(12, 1));
    await expect(service.complete(owner, id, { parts: etags })).rejects.toBeInstanceOf(BadRequest);
    expect((await service.list(owner)).find((r) => r.id === id)).toMatchObject({
      status: 'failed',
      failureReason: 'Uploaded 12 bytes but declared 20; the upload was cut short. Upload the file again.',
    });
  });

  it('completes a recording made in a meeting early, but never without a part it uploaded', async () => {
    const owner = 'guest:gina';
    const created = await service.create(owner, {
      fileName: 'meeting.webm',
      contentType: 'video/webm',
      sizeBytes: LIVE_RECORDING_DECLARED_BYTES,
    });
    const id = created.recording.id;
    const etags = [];
    for (const partNumber of [1, 2]) {
      const plan = await service.parts(owner, id, [], { partNumber, sizeBytes: 10 });
      etags.push(...(await uploadParts(plan.parts, 10, Buffer.alloc(20, partNumber))));
    }
    // S3 takes a short part only as the last one (EntityTooSmall): the server says which before S3 would refuse.
    await expect(service.complete(owner, id, { parts: etags, partCount: 2 })).rejects.toThrow(
      `Part 1 is 10 bytes: every part but the last must be at least ${S3_MIN_PART_BYTES} bytes`,
    );
    const full = await service.parts(owner, id, [1]);
    etags[0] = (await uploadParts(full.parts, UPLOAD_PART_SIZE, Buffer.alloc(UPLOAD_PART_SIZE, 1)))[0]!;
    await expect(service.complete(owner, id, { parts: etags.slice(0, 1), partCount: 1 })).rejects.toThrow(
      'Part 2 was uploaded but is not in the completion; complete all 2 parts',
    );
    expect(await service.complete(owner, id, { parts: etags, partCount: 2 })).toMatchObject({
      status: 'transcoding',
      sizeBytes: UPLOAD_PART_SIZE + 10,
    });
    await service.remove(owner, id);
  });

  it('reports the duration measured from the converted media, not the one the header claims', async () => {
    const owner = 'guest:hal';
    const full = join(dir, 'six-seconds.webm');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=f=440:r=48000'],
      ...['-t', '6', '-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', '-c:a', 'libopus', full],
    ]);
    // Cut in half: the header still says 6 s, the media holds about 3.
    const half = join(dir, 'half.webm');
    const bytes = readFileSync(full);
    writeFileSync(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { id } = await uploadFile(owner, half, 'half.webm', 'video/webm');
    expect((await transcodeHandler(eventsFor(id))).outcomes).toEqual({ [id]: 'queued' });
    const detail = await service.detail(owner, id);
    expect(detail.durationSeconds).toBeGreaterThan(1.5);
    expect(detail.durationSeconds).toBeLessThan(4.5);
    await service.remove(owner, id);
  });

  it('transcribes the audio stream flagged default, not a tone that comes before it', async () => {
    const owner = 'guest:ivy';
    const wav = join(dir, 'two-tracks-speech.wav');
    execFileSync('espeak-ng', ['-v', 'en-us+klatt', '-s', '150', '-w', wav, SENTENCE]);
    const file = join(dir, 'two-tracks.mkv');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'sine=f=440:r=48000', '-i', wav, '-map', '0:a', '-map', '1:a', '-af', 'volume=0.5'],
      // A tone first, not default; the speech second, flagged default (as a dubbed or multi-language file has it).
      ...['-disposition:a:0', '0', '-disposition:a:1', 'default', '-c:a', 'libopus', '-shortest', file],
    ]);
    const { id } = await uploadFile(owner, file, 'two-tracks.mkv', 'video/x-matroska');
    expect((await transcodeHandler(eventsFor(id))).outcomes).toEqual({ [id]: 'queued' });
    await transcribeUntilSettled([id]);
    const detail = await service.detail(owner, id);
    expect(detail.status).toBe('ready');
    const heard = new Set(vttWords(await (await fetch(detail.subtitles!.vtt)).text()));
    expect(KEYWORDS.filter((k) => heard.has(k)).length).toBeGreaterThanOrEqual(Math.ceil(KEYWORDS.length / 2));
  });

  it('ends a recording in which no speech is found as no-speech, playable and without empty subtitles', async () => {
    const owner = 'guest:jon';
    const file = join(dir, 'quiet.webm');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono'],
      ...['-t', '4', '-c:v', 'libvpx', '-b:v', '200k', '-deadline', 'realtime', '-c:a', 'libopus', file],
    ]);
    const { id } = await uploadFile(owner, file, 'quiet.webm', 'video/webm');
    expect((await transcodeHandler(eventsFor(id))).outcomes).toEqual({ [id]: 'queued' });
    await transcribeUntilSettled([id]);
    const detail = await service.detail(owner, id);
    expect(detail).toMatchObject({ status: 'no-speech', subtitles: null, versions: [] });
    expect(detail.media?.mp4).toBeTruthy();
    expect(statusLog.filter((s) => s.id === id).map((s) => s.status)).toContain('no-speech');
  });

  it('refuses a type that is not a recording before any upload starts', async () => {
    await expect(
      service.create('guest:erin', { fileName: 'page.html', contentType: 'text/html', sizeBytes: 10 }),
    ).rejects.toMatchObject({ code: 'unsupported-type', status: 400 });
    expect(await service.list('guest:erin')).toEqual([]);
  });
});
