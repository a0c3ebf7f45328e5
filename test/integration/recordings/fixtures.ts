import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { recordingKeys, type TranscribeJob } from '../../../functions/shared/protocol/recordings';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import { transcribeJobId } from '../../../functions/recordings/transcode-pipeline';
import { BUCKET, type StandIns } from './stand-ins';

/** The sentence the fixtures speak. espeak-ng's klatt voice is the one pocketsphinx recognises best. */
export const SENTENCE = 'Hello world. Please open the door. The weather today is good. Thank you very much.';
export const KEYWORDS = [
  'hello',
  'world',
  'please',
  'open',
  'door',
  'weather',
  'today',
  'thank',
  'you',
  'very',
  'much',
];

const QUIET = ['-hide_banner', '-loglevel', 'error', '-y'];
// espeak-ng peaks at -2 dBFS; pocketsphinx hears it far better at a recording's usual level (-6 dB).
const LEVEL = ['-af', 'volume=0.5'];

function speak(text: string, wav: string): void {
  execFileSync('espeak-ng', ['-v', 'en-us+klatt', '-s', '150', '-w', wav, text]);
}

/** A 16 kHz mono FLAC of the sentence repeated `times` times (≈ 5 s each). */
export function speechFlac(dir: string, times = 1): string {
  const wav = join(dir, 'speech.wav');
  speak(Array.from({ length: times }, () => SENTENCE).join(' '), wav);
  const flac = join(dir, `speech-${times}.flac`);
  execFileSync('ffmpeg', [...QUIET, '-i', wav, ...LEVEL, '-ac', '1', '-ar', '16000', flac]);
  return flac;
}

/** A WebM video (testsrc + the spoken sentence), as MediaRecorder would upload it. */
export function speechVideo(dir: string): string {
  const wav = join(dir, 'video-speech.wav');
  speak(SENTENCE, wav);
  const out = join(dir, 'meeting.webm');
  execFileSync('ffmpeg', [
    ...QUIET,
    ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-i', wav],
    ...LEVEL,
    ...['-c:v', 'libvpx', '-b:v', '300k', '-deadline', 'realtime', '-c:a', 'libopus', '-shortest', out],
  ]);
  return out;
}

/** Words of a VTT's cue text, lower case, without punctuation. */
export function vttWords(vtt: string): string[] {
  return vtt
    .split('\n')
    .filter((line) => line && line !== 'WEBVTT' && !line.includes('-->') && !/^\d+$/.test(line))
    .join(' ')
    .toLowerCase()
    .replace(/[^a-z' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** A recording already transcoded (status queued, speech audio in S3) and its job, as Transcode leaves them. */
export async function seedQueuedRecording(
  standIns: StandIns,
  flac: string,
  options: { durationSeconds: number; language?: string; translate?: boolean; send?: boolean },
): Promise<TranscribeJob> {
  const store = new RecordingStore(standIns.sql);
  const id = randomUUID();
  const ownerId = `guest:${randomUUID().slice(0, 8)}`;
  await store.create({
    id,
    ownerId,
    roomId: null,
    title: 'Seeded',
    fileName: 'seeded.webm',
    contentType: 'video/webm',
    sizeBytes: 1000,
    sourceKey: recordingKeys.source(ownerId, id),
    uploadId: 'seed',
    partCount: 1,
    language: options.language ?? 'auto',
    translate: options.translate ?? false,
  });
  await store.claimForTranscode(id);
  const audioKey = recordingKeys.audio(id);
  await standIns.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: audioKey, Body: readFileSync(flac), ContentType: 'audio/flac' }),
  );
  await store.recordMedia(id, {
    durationSeconds: options.durationSeconds,
    width: null,
    height: null,
    mp4Key: recordingKeys.mp4(id),
    posterKey: null,
    audioKey,
    transcribeJobId: transcribeJobId(id),
  });
  const job: TranscribeJob = {
    jobId: transcribeJobId(id),
    recordingId: id,
    ownerId,
    bucket: BUCKET,
    audioKey,
    durationSeconds: options.durationSeconds,
    language: options.language ?? 'auto',
    translate: options.translate ?? false,
  };
  if (options.send !== false) {
    await standIns.sqs.send(new SendMessageCommand({ QueueUrl: standIns.queueUrl, MessageBody: JSON.stringify(job) }));
  }
  return job;
}
