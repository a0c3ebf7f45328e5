/*
 * npm run bench:pipeline — seconds of pipeline overhead per recording on this machine (everything except the
 * speech engine: upload completion, S3 event, probe, ffmpeg, S3 writes, SQS, SQL, subtitle writing) and the
 * engine's real-time factor, with the same stand-ins `npm start` uses (s3rver, fauxqs, Data API emulator).
 * The reference, measured in the same run on the same file: the bare tools (ffprobe + ffmpeg + the FLAC→WAV
 * unpack) run directly, so "orchestration" is what our code and the stand-ins add on top.
 *
 * Options: --jobs=<n> (default 3), --seconds=<n> length of the test recording (default 20).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3MediaStorage } from '../functions/recordings/media-storage';
import { RecordingStore } from '../functions/recordings/recording-store';
import { RecordingsService } from '../functions/recordings/recordings-service';
import { handler as transcode, setTranscodeDepsForTesting } from '../functions/recordings/transcode';
import type { TranscriptionEngine } from '../containers/whisper/src/engines/engine';
import { PocketsphinxEngine } from '../containers/whisper/src/engines/pocketsphinx';
import { noProtection } from '../containers/whisper/src/instance-protection';
import { TranscriptionWorker } from '../containers/whisper/src/worker';
import { BUCKET, startStandIns } from '../test/integration/recordings/stand-ins';
import { SENTENCE } from '../test/integration/recordings/fixtures';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) => /^--([a-z]+)=(\d+)$/.exec(a))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, Number(m[2])]),
);
const JOBS = args.jobs ?? 3;
const SECONDS = args.seconds ?? 20;
const QUIET = ['-hide_banner', '-loglevel', 'error', '-y'];

function makeVideo(dir: string): string {
  const wav = join(dir, 'speech.wav');
  const text = Array.from({ length: Math.ceil(SECONDS / 5) }, () => SENTENCE).join(' ');
  execFileSync('espeak-ng', ['-v', 'en-us+klatt', '-s', '150', '-w', wav, text]);
  const out = join(dir, 'meeting.webm');
  execFileSync('ffmpeg', [
    ...QUIET,
    ...['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-i', wav, '-t', String(SECONDS)],
    ...['-af', 'volume=0.5', '-c:v', 'libvpx', '-b:v', '500k', '-deadline', 'realtime', '-c:a', 'libopus', out],
  ]);
  return out;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const value = f();
  return [value, (performance.now() - t0) / 1000];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const standIns = await startStandIns({ visibilityTimeoutSeconds: 120, maxReceiveCount: 3 });
  try {
    const video = makeVideo(dir);
    const body = readFileSync(video);

    // Reference: the bare tools on the same file.
    const reference: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const [, seconds] = time(() => {
        execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', video]);
        execFileSync('ffmpeg', [
          ...QUIET,
          ...['-i', video, '-map', '0:v:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'],
          ...['-pix_fmt', 'yuv420p', '-map', '0:a:0', '-c:a', 'aac', '-movflags', '+faststart', join(dir, 'r.mp4')],
          ...['-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'flac', join(dir, 'r.flac')],
        ]);
        execFileSync('ffmpeg', [...QUIET, '-ss', '1', '-i', join(dir, 'r.mp4'), '-frames:v', '1', join(dir, 'r.jpg')]);
        execFileSync('ffmpeg', [...QUIET, '-i', join(dir, 'r.flac'), '-ac', '1', '-ar', '16000', join(dir, 'r.wav')]);
      });
      reference.push(seconds);
    }

    const store = new RecordingStore(standIns.sql);
    const storage = new S3MediaStorage(standIns.s3, BUCKET);
    const service = new RecordingsService({
      store,
      storage,
      enqueueBurnIn: async () => undefined,
      notify: async () => undefined,
    });
    setTranscodeDepsForTesting({
      store,
      storage,
      enqueueTranscription: async (job) => {
        await standIns.sqs.send(
          new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }),
        );
      },
      pokeScaler: async () => undefined,
      notify: async () => undefined,
      maxSeconds: 3600,
    });
    const pocketsphinx = new PocketsphinxEngine({ binary: 'pocketsphinx_continuous' });
    let engineSeconds = 0;
    const timedEngine: TranscriptionEngine = {
      name: pocketsphinx.name,
      canTranslate: false,
      canDetectLanguage: false,
      transcribe: async (wav, options) => {
        const t0 = performance.now();
        try {
          return await pocketsphinx.transcribe(wav, options);
        } finally {
          engineSeconds += (performance.now() - t0) / 1000;
        }
      },
    };
    const worker = new TranscriptionWorker(
      {
        sqs: standIns.sqs,
        store,
        storageFor: () => storage,
        engine: timedEngine,
        notify: async () => undefined,
        ffmpeg: 'ffmpeg',
        workerId: 'bench',
        protection: noProtection,
        log: () => undefined,
      },
      {
        queueUrl: standIns.queueUrl,
        visibilityTimeoutSeconds: 120,
        heartbeatSeconds: 40,
        maxReceiveCount: 3,
        waitTimeSeconds: 1,
      },
    );
    const running = worker.run();

    const rows: { total: number; engine: number; overhead: number }[] = [];
    for (let i = 0; i < JOBS; i++) {
      const created = await service.create('guest:bench', {
        fileName: 'meeting.webm',
        contentType: 'video/webm',
        sizeBytes: body.length,
      });
      const parts = [];
      for (const part of created.upload.parts) {
        const slice = body.subarray(
          (part.partNumber - 1) * created.upload.partSize,
          part.partNumber * created.upload.partSize,
        );
        const res = await fetch(part.url, { method: 'PUT', body: new Uint8Array(slice) });
        parts.push({ partNumber: part.partNumber, etag: res.headers.get('etag')! });
      }
      const id = created.recording.id;
      const engineBefore = engineSeconds;
      const t0 = performance.now();
      await service.complete('guest:bench', id, { parts });
      const events = standIns.s3Events
        .flatMap((e) => e.Records)
        .filter((r) => r.s3.object.key.includes(`${id}/source`));
      await transcode({ Records: events });
      while ((await store.get(id))!.status !== 'ready') await new Promise((r) => setTimeout(r, 50));
      const total = (performance.now() - t0) / 1000;
      const engine = engineSeconds - engineBefore;
      rows.push({ total, engine, overhead: total - engine });
    }
    await worker.stop();
    await running;

    const overhead = median(rows.map((r) => r.overhead));
    const engine = median(rows.map((r) => r.engine));
    const ref = median(reference);
    console.log(
      `bench:pipeline — ${JOBS} recordings of ${SECONDS} s (640×360 VP8 + Opus), database: ${standIns.backend}`,
    );
    console.log(`per job (median of ${JOBS}):`);
    console.log(`  upload complete → ready, total          ${median(rows.map((r) => r.total)).toFixed(2)} s`);
    console.log(
      `  engine (pocketsphinx)                   ${engine.toFixed(2)} s   real-time factor ${(engine / SECONDS).toFixed(3)}`,
    );
    console.log(
      `  pipeline overhead (all but the engine)  ${overhead.toFixed(2)} s   ${(overhead / SECONDS).toFixed(3)} s per media second`,
    );
    console.log(`  reference: bare ffprobe+ffmpeg steps    ${ref.toFixed(2)} s`);
    console.log(`  orchestration (S3, SQS, SQL, our code)  ${(overhead - ref).toFixed(2)} s`);
  } finally {
    setTranscodeDepsForTesting(undefined);
    await standIns.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
