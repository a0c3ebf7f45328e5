import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeProbe, probe } from '../../../functions/recordings/media-tools';
import { convert } from '../../../functions/recordings/transcode-pipeline';

/* ffprobe + ffmpeg as Transcode runs them, on the kinds of input users send. */
jest.setTimeout(60_000);

let dir: string;
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const streams = (file: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', file]).toString())
    .streams as {
    codec_type: string;
    codec_name: string;
    sample_rate?: string;
    channels?: number;
    width?: number;
    height?: number;
  }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'transcode-media-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('makes H.264/AAC MP4, 16 kHz mono FLAC and a poster from a webm with sound', async () => {
  const src = join(dir, 'in.webm');
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=426x240:rate=15',
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:r=48000',
    '-t',
    '2',
    '-c:v',
    'libvpx',
    '-c:a',
    'libopus',
    src,
  );
  const verdict = judgeProbe(await probe(src), 3600);
  if (!verdict.ok) throw new Error(verdict.reason);
  const out = join(dir, 'a');
  mkdirSync(out);
  const result = await convert(src, out, verdict.info);
  if ('reason' in result) throw new Error(result.reason);
  expect(streams(result.mp4).map((s) => s.codec_name)).toEqual(['h264', 'aac']);
  // Odd widths are rounded to even (yuv420p needs it).
  expect(streams(result.mp4)[0]!.width! % 2).toBe(0);
  expect(streams(result.audio!)).toMatchObject([{ codec_name: 'flac', sample_rate: '16000', channels: 1 }]);
  expect(streams(result.poster!)[0]).toMatchObject({ codec_name: 'mjpeg', width: 426 });
});

it('handles audio only: an MP4 with AAC, speech audio, no poster', async () => {
  const src = join(dir, 'in.mp3');
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:r=44100', '-t', '2', src);
  const verdict = judgeProbe(await probe(src), 3600);
  if (!verdict.ok) throw new Error(verdict.reason);
  expect(verdict.info).toMatchObject({ hasVideo: false, hasAudio: true });
  const out = join(dir, 'b');
  mkdirSync(out);
  const result = await convert(src, out, verdict.info);
  if ('reason' in result) throw new Error(result.reason);
  expect(streams(result.mp4).map((s) => s.codec_type)).toEqual(['audio']);
  expect(result.poster).toBeNull();
  expect(result.audio).not.toBeNull();
});

it('handles a silent screen recording: video only, nothing to transcribe', async () => {
  const src = join(dir, 'silent.mkv');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2', '-c:v', 'libx264', src);
  const verdict = judgeProbe(await probe(src), 3600);
  if (!verdict.ok) throw new Error(verdict.reason);
  const out = join(dir, 'c');
  mkdirSync(out);
  const result = await convert(src, out, verdict.info);
  if ('reason' in result) throw new Error(result.reason);
  expect(result.audio).toBeNull();
  expect(streams(result.mp4).map((s) => s.codec_type)).toEqual(['video']);
});

it('fails a file cut off after its header with a reason instead of throwing', async () => {
  const src = join(dir, 'in2.webm');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-t', '3', '-c:v', 'libvpx', src);
  const headerOnly = join(dir, 'header-only.webm');
  writeFileSync(headerOnly, readFileSync(src).subarray(0, 600));
  // The header alone still probes as a 3 s WebM…
  const verdict = judgeProbe(await probe(headerOnly), 3600);
  if (!verdict.ok) throw new Error(verdict.reason);
  const out = join(dir, 'd');
  mkdirSync(out);
  // …and ffmpeg either refuses it or "succeeds" with an MP4 holding no samples: both must end as a reason.
  expect(await convert(headerOnly, out, verdict.info)).toEqual({
    reason: expect.stringMatching(
      /^(The recording contains nothing playable \(it may have been cut off\)|The recording could not be converted: .+)$/,
    ),
  });
});

it('refuses an HLS playlist or a concat script instead of reading the files it names', async () => {
  // A "recording" whose bytes are a playlist would make ffmpeg read other files (or URLs) on the transcoder.
  const secret = join(dir, 'secret.ts');
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=500:r=44100', '-t', '1', '-c:a', 'mp2', secret);
  const playlists = {
    'playlist.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\nsecret.ts\n#EXT-X-ENDLIST\n',
    'script.ffconcat': 'ffconcat version 1.0\nfile secret.ts\n',
  };
  for (const [name, text] of Object.entries(playlists)) {
    const src = join(dir, name);
    writeFileSync(src, text);
    expect(judgeProbe(await probe(src), 3600)).toEqual({
      ok: false,
      reason: 'The file is not a video or audio recording we can read',
    });
    // Even handed straight to the converter (as if the probe had passed it), ffmpeg refuses to open it.
    const out = join(dir, `out-${name}`);
    mkdirSync(out);
    const info = {
      durationSeconds: 1,
      hasVideo: false,
      hasAudio: true,
      audioStreams: [{ isDefault: true }],
      width: null,
      height: null,
    };
    expect(await convert(src, out, info)).toEqual({
      reason: expect.stringMatching(/^The recording could not be converted/),
    });
  }
});
