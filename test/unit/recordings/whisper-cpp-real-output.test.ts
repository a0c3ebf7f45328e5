import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedOption } from '../../../containers/whisper/src/engines/engine';
import {
  WhisperCppEngine,
  parseWhisperCppJson,
  parseWhisperProgress,
  readWhisperCppJson,
} from '../../../containers/whisper/src/engines/whisper-cpp';
import { buildCues, toSrt, toWebVtt } from '../../../functions/recordings/subtitles';
import { SubtitleCues, TranscriptDocument } from '../../../functions/shared/protocol/recordings';

/*
 * What the real whisper-cli (whisper.cpp 1.9.1, CPU build) wrote and printed when run with exactly the adapter's
 * arguments on a tiny random-weight model; see test/fixtures/whisper-cpp/README.md for the commands. The text is
 * gibberish; the format is the real one, so a change in whisper-cli's JSON or progress lines fails here.
 */
const FIXTURES = join(__dirname, '../../fixtures/whisper-cpp');
const fixture = (name: string) => join(FIXTURES, name);
const read = (name: string) => readFileSync(fixture(name), 'utf8');

const dir = mkdtempSync(join(tmpdir(), 'whisper-replay-'));
const argsFile = join(dir, 'args.txt');

/** A stand-in whisper-cli that replays a captured run: the real stderr, and the real JSON at `<-of>.json`. */
function replayCli(stderrFixture: string, jsonFixture?: string): string {
  const file = join(dir, `whisper-cli-${Math.random().toString(36).slice(2)}`);
  const writeJson = jsonFixture ? `cp '${fixture(jsonFixture)}' "$stem.json"` : ':';
  writeFileSync(
    file,
    `#!/bin/sh
echo "$@" > '${argsFile}'
while [ $# -gt 0 ]; do if [ "$1" = "-of" ]; then stem="$2"; fi; shift; done
cat '${fixture(stderrFixture)}' >&2
${writeJson}
`,
  );
  chmodSync(file, 0o755);
  return file;
}

const RECORDING_ID = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';

describe('whisper-cli 1.9.1 --output-json-full, as the real CLI wrote it', () => {
  const transcript = parseWhisperCppJson(readWhisperCppJson(read('cli-1.9.1-ojf.txt')));

  it('reads the detected language (not "auto") from result.language', () => {
    expect(transcript.language).toBe('hi');
  });

  it('reads segments in seconds from the millisecond offsets', () => {
    expect(transcript.segments).toHaveLength(6);
    expect(transcript.segments[0]).toMatchObject({ start: 0.52, end: 3.22 });
    expect(transcript.segments[0]!.text.startsWith('miju3mhego59 zaju1w nusesvodu3x')).toBe(true);
  });

  it('joins sub-word tokens into words and drops the [_TT_n] timestamp tokens', () => {
    expect(transcript.words).toHaveLength(41);
    expect(transcript.words.slice(0, 3)).toEqual([
      // "miju3m" (570–660 ms, p 0.555) + "hego59" (660–1350 ms, p 0.282): one word, the lower probability
      { word: 'miju3mhego59', start: 0.57, end: 1.35, confidence: 0.282221 },
      { word: 'zaju1w', start: 1.52, end: 2.13, confidence: 0.339324 },
      { word: 'nusesvodu3x', start: 2.14, end: 3.21, confidence: 0.921103 },
    ]);
    expect(transcript.words.some((w) => w.word.includes('[_'))).toBe(false);
  });

  it('becomes cues the editor accepts, VTT, SRT and a valid transcript document', () => {
    const cues = buildCues(transcript.words);
    expect(SubtitleCues.safeParse(cues).success).toBe(true);
    expect(toWebVtt(cues)).toMatch(/^WEBVTT\n\n1\n00:00:00\.570 --> 00:00:03\.220\nmiju3mhego59 zaju1w/);
    expect(toSrt(cues)).toMatch(/^1\n00:00:00,570 --> 00:00:03,220\nmiju3mhego59 zaju1w/);
    const doc = {
      recordingId: RECORDING_ID,
      version: 1,
      engine: 'whisper-cpp',
      language: transcript.language,
      durationSeconds: 74.8,
      cues,
      words: transcript.words,
    };
    expect(TranscriptDocument.safeParse(doc).success).toBe(true);
  });
});

describe('whisper-cli 1.9.1 with a tab inside a token', () => {
  const raw = read('cli-1.9.1-ojf-tab-token.txt');

  it('is what the CLI really writes: JSON.parse alone rejects it', () => {
    expect(() => JSON.parse(raw)).toThrow(/control character/i);
  });

  it('is read anyway, with the tab as a word break and no control characters left in the text', () => {
    const t = parseWhisperCppJson(readWhisperCppJson(raw));
    expect(t.language).toBe('lt');
    expect(t.words.map((w) => w.word).slice(0, 3)).toEqual(['rase3', 'miza3qzaheqzaheqjuhe4j', 'miza3q']);
    expect(t.words.some((w) => /\s/.test(w.word))).toBe(false);
    expect(SubtitleCues.safeParse(buildCues(t.words)).success).toBe(true);
  });
});

describe('the adapter driving a replay of the real whisper-cli', () => {
  it('passes its arguments, reports the real progress (capped below 100) and returns the transcript', async () => {
    const engine = new WhisperCppEngine({
      binary: replayCli('cli-1.9.1-stderr.txt', 'cli-1.9.1-ojf.txt'),
      model: '/models/ggml-model.bin',
      threads: 2,
    });
    const progress: number[] = [];
    const t = await engine.transcribe('/tmp/speech.wav', {
      language: 'auto',
      translate: true,
      durationSeconds: 74.8,
      onProgress: (p) => progress.push(p),
    });
    const args = readFileSync(argsFile, 'utf8').trim().split(' ');
    expect(args.slice(0, 8)).toEqual([
      '-m',
      '/models/ggml-model.bin',
      '-f',
      '/tmp/speech.wav',
      '-l',
      'auto',
      '-ojf',
      '-of',
    ]);
    expect(args.slice(9)).toEqual(['--print-progress', '--no-prints', '-tr', '-t', '2']);
    // The replay writes stderr in one go, so lines may arrive together; the latest one counts.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => [35, 74, 99].includes(p))).toBe(true);
    expect(progress[progress.length - 1]).toBe(99);
    expect(t.language).toBe('hi');
    expect(t.words).toHaveLength(41);
  });

  it('fails the job without a retry when whisper.cpp does not know the language (the CLI exits 0, no JSON)', async () => {
    const engine = new WhisperCppEngine({ binary: replayCli('cli-1.9.1-unknown-language-stderr.txt'), model: '/m' });
    const running = engine.transcribe('/tmp/speech.wav', { language: 'xx', translate: false, durationSeconds: 4 });
    await expect(running).rejects.toThrow(new UnsupportedOption('whisper.cpp does not know the language "xx"'));
  });

  it('says the audio could not be read, in the CLI’s words, when it exits 0 without JSON', async () => {
    const engine = new WhisperCppEngine({ binary: replayCli('cli-1.9.1-not-audio-stderr.txt'), model: '/m' });
    await expect(
      engine.transcribe('/tmp/speech.wav', { language: 'en', translate: false, durationSeconds: 4 }),
    ).rejects.toThrow(
      "whisper-cli wrote no transcript: error: failed to read audio file '/tmp/whisper-fixture/not-audio.wav'",
    );
  });
});

describe('progress lines as whisper-cli 1.9.1 prints them', () => {
  it('reads each line, including the past-100 % value the last window can report', () => {
    const lines = read('cli-1.9.1-stderr.txt').split('\n');
    expect(lines.map(parseWhisperProgress).filter((p) => p !== null)).toEqual([35, 74, 100]);
    expect(parseWhisperProgress('whisper_print_progress_callback: progress = 108%')).toBe(108);
  });
});
