import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_UPLOAD_BYTES, UPLOAD_PART_SIZE } from '../../functions/shared/protocol/recordings';

const run = promisify(execFile);

/**
 * What the test video says. Picked by measuring Debian pocketsphinx on espeak-ng at 150 words/min: its word error
 * rate is about 0.6, and repeating the key sentence lets its cepstral normalisation settle, so the keywords below
 * come back reliably. Assert on keyword overlap, never on exact text.
 */
export const KNOWN_SENTENCE =
  'Hello everyone. Next week we will talk about the project. This is a test of the recording system. ' +
  'Next week we will talk about the project.';

/** The words an engine must find in the subtitles (most of them: recognisers drop and mishear words). */
export const KNOWN_KEYWORDS = ['next', 'week', 'talk', 'about', 'project', 'test'] as const;

const ESPEAK_ARGS = ['-s', '150'];
// Bump when the way fixtures are made changes, so stale cached files are not reused.
const GENERATOR_VERSION = 1;

export interface MediaFixture {
  readonly path: string;
  readonly fileName: string;
  readonly mimeType: string;
  readonly sizeBytes: number;
}

function cacheDir(): string {
  return join(process.env.MEDIA_FIXTURES_DIR ?? tmpdir(), 'cn-media-fixtures');
}

function key(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** Makes a file once per machine: written beside its final name and renamed, so parallel test files never see half a file. */
async function cached(name: string, make: (tmpPath: string) => Promise<void>): Promise<string> {
  const dir = cacheDir();
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const existing = await stat(path).catch(() => null);
  if (existing && existing.size > 0) return path;
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await make(tmp);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}

async function fixture(path: string, fileName: string, mimeType: string): Promise<MediaFixture> {
  return { path, fileName, mimeType, sizeBytes: (await stat(path)).size };
}

/**
 * A short MP4 (H.264 test pattern + AAC speech of KNOWN_SENTENCE, about 11 s) made with ffmpeg and espeak-ng,
 * cached in the temp folder. Nothing is downloaded: both tools are Debian packages (.ci/run installs them).
 */
export async function speechVideo(): Promise<MediaFixture> {
  const name = `speech-${key([GENERATOR_VERSION, KNOWN_SENTENCE, ESPEAK_ARGS])}.mp4`;
  const path = await cached(name, async (out) => {
    const wav = `${out}.wav`;
    try {
      await run('espeak-ng', [...ESPEAK_ARGS, '-w', wav, KNOWN_SENTENCE]);
      await run('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-y'],
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'],
        ...['-i', wav],
        // One second of silence after the speech, so the last word is not cut at the end of the stream.
        ...['-af', 'apad=pad_dur=1', '-shortest'],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k'],
        ...['-movflags', '+faststart', '-f', 'mp4', out],
      ]);
    } finally {
      await rm(wav, { force: true });
    }
  });
  return fixture(path, 'team-sync.mp4', 'video/mp4');
}

/**
 * The same speech over the test pattern as uncompressed video in Matroska (about 19 MB): honest media just over
 * one upload part (UPLOAD_PART_SIZE), so an upload of it can be interrupted within a part or between its two parts.
 */
export async function twoPartSpeechVideo(): Promise<MediaFixture> {
  const name = `speech-raw-${key([GENERATOR_VERSION, KNOWN_SENTENCE, ESPEAK_ARGS])}.mkv`;
  const path = await cached(name, async (out) => {
    const wav = `${out}.wav`;
    try {
      await run('espeak-ng', [...ESPEAK_ARGS, '-w', wav, KNOWN_SENTENCE]);
      await run('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-y'],
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15'],
        ...['-i', wav],
        ...['-af', 'apad=pad_dur=1', '-shortest'],
        ...['-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-f', 'matroska', out],
      ]);
    } finally {
      await rm(wav, { force: true });
    }
  });
  const made = await fixture(path, 'stand-up.mkv', 'video/x-matroska');
  if (made.sizeBytes <= UPLOAD_PART_SIZE) throw new Error(`${path} is ${made.sizeBytes} bytes: not two upload parts`);
  return made;
}

/** A plain text file named .mp4: passes the browser's checks (type comes from the name) and must fail in transcoding. */
export async function textRenamedMp4(): Promise<MediaFixture> {
  const path = await cached(`not-a-video-${GENERATOR_VERSION}.mp4`, async (out) => {
    await writeFile(out, 'This is a text file, not a video.\n'.repeat(40));
  });
  return fixture(path, 'holiday.mp4', 'video/mp4');
}

/**
 * A file one byte over the upload limit, made sparse (no disk used, nothing to read): the page must refuse it
 * from its size alone, before any upload starts.
 */
export async function oversizeVideo(limit = MAX_UPLOAD_BYTES): Promise<MediaFixture> {
  const path = await cached(`oversize-${limit + 1}.mp4`, async (out) => {
    const handle = await open(out, 'w');
    try {
      await handle.truncate(limit + 1);
    } finally {
      await handle.close();
    }
  });
  return fixture(path, 'all-hands-4k.mp4', 'video/mp4');
}

/** Words of a subtitle text, lower case, punctuation dropped. */
export function wordsOf(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z']+/)
      .filter(Boolean),
  );
}

/** The share of KNOWN_KEYWORDS found in `text` (0–1). */
export function keywordOverlap(text: string, keywords: readonly string[] = KNOWN_KEYWORDS): number {
  const words = wordsOf(text);
  return keywords.filter((k) => words.has(k)).length / keywords.length;
}

/**
 * `sizeBytes` of random bytes named .webm: big enough for several upload parts (resume tests). Not playable,
 * so processing fails after the upload, which is what such a file should do.
 */
export async function randomBytesFile(sizeBytes: number): Promise<MediaFixture> {
  const path = await cached(`random-${sizeBytes}-${GENERATOR_VERSION}.webm`, async (out) => {
    const handle = await open(out, 'w');
    try {
      const block = randomBytes(1024 * 1024);
      for (let written = 0; written < sizeBytes; written += block.length) {
        await handle.write(block, 0, Math.min(block.length, sizeBytes - written));
      }
    } finally {
      await handle.close();
    }
  });
  return fixture(path, 'long-meeting.webm', 'video/webm');
}

/**
 * KNOWN_SENTENCE as a 16-bit PCM WAV, for Chromium's `--use-file-for-fake-audio-capture`: the fake microphone
 * then speaks the sentence (in a loop), so a recording made in a meeting has words to transcribe.
 */
export async function speechWav(): Promise<MediaFixture> {
  const path = await cached(`speech-${key([GENERATOR_VERSION, KNOWN_SENTENCE, ESPEAK_ARGS])}.wav`, async (out) => {
    const raw = `${out}.raw.wav`;
    try {
      await run('espeak-ng', [...ESPEAK_ARGS, '-w', raw, KNOWN_SENTENCE]);
      // Chromium's fake capture reads 16-bit PCM; 48 kHz avoids a resampling step in WebRTC's audio path.
      await run('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        raw,
        '-af',
        'apad=pad_dur=1',
        '-ar',
        '48000',
        '-ac',
        '1',
        '-c:a',
        'pcm_s16le',
        '-f',
        'wav',
        out,
      ]);
    } finally {
      await rm(raw, { force: true });
    }
  });
  return fixture(path, 'speech.wav', 'audio/wav');
}

/** A photo of a real person (see test/fixtures/person/README.md for its source and licence). */
export const PERSON_PHOTO = join(__dirname, '../fixtures/person/head-and-shoulders.jpg');

/**
 * A still camera picture of PERSON_PHOTO as raw video (.y4m) for Chromium's `--use-file-for-fake-video-capture`:
 * the photo scaled to the full height, centred in front of a checkered wall. The wall is there because a blur
 * must visibly change the background: the photo's own background is already soft (the source is small).
 */
export async function personCamera(
  { width, height, fps }: { width: number; height: number; fps: number } = { width: 640, height: 360, fps: 15 },
): Promise<string> {
  const photoKey = createHash('sha256')
    .update(await readFile(PERSON_PHOTO))
    .digest('hex')
    .slice(0, 12);
  const square = Math.round(height / 18);
  return cached(`person-${photoKey}-${width}x${height}-${fps}-${GENERATOR_VERSION}.y4m`, async (out) => {
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `color=c=gray:s=${width}x${height}:r=${fps}:d=1`],
      ...['-i', PERSON_PHOTO],
      ...[
        '-filter_complex',
        `[0:v]geq=lum='if(mod(floor(X/${square})+floor(Y/${square}),2),215,45)':cb=128:cr=128[wall];` +
          `[1:v]scale=-2:${height}[person];[wall][person]overlay=(W-w)/2:0:shortest=0,format=yuv420p`,
      ],
      ...['-frames:v', String(fps), '-f', 'yuv4mpegpipe', out],
    ]);
  });
}

/**
 * A small moving camera picture (320×180, 15 fps; Chromium loops the file) for the meeting suites. Chromium's
 * built-in fake camera delivers whatever is asked for (1280×720 at 30 fps here), and every page encodes it once per
 * call, for as long as the suite runs, waiting or not. Measured alone with `/usr/bin/time` (which counts the browser
 * it launched): meeting-reactions took 43 s wall and 21 s of CPU with the built-in camera, 35 s and 15 s with this.
 * The media-quality and devices suites keep the built-in camera.
 */
export async function smallCamera(): Promise<string> {
  return cached(`small-camera-320x180-15-${GENERATOR_VERSION}.y4m`, async (out) => {
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15:duration=2'],
      ...['-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out],
    ]);
  });
}

/**
 * A 640×360 PNG to upload as one's own background: a smooth two-colour diagonal gradient (smooth, so video
 * compression keeps it close enough to compare region by region).
 */
export async function backgroundPng(): Promise<MediaFixture> {
  const path = await cached(`background-gradient-${GENERATOR_VERSION}.png`, async (out) => {
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'gradients=s=640x360:c0=0xe04020:c1=0x2060e0:x0=0:y0=0:x1=640:y1=360:nb_colors=2'],
      ...['-frames:v', '1', '-f', 'image2', '-c:v', 'png', out],
    ]);
  });
  return fixture(path, 'my-background.png', 'image/png');
}
