import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WhisperCppEngine } from '../../../containers/whisper/src/engines/whisper-cpp';

/*
 * The whisper.cpp adapter against a stand-in for the whisper-cli binary (no model can be downloaded here): a shell
 * script that records its arguments, prints progress like whisper-cli does, and writes `<-of>.json`.
 */
const dir = mkdtempSync(join(tmpdir(), 'fake-whisper-'));
const argsFile = join(dir, 'args.txt');
const OUTPUT = JSON.stringify({
  result: { language: 'fr' },
  transcription: [
    {
      offsets: { from: 0, to: 1500 },
      text: ' Bonjour tout le monde',
      tokens: [
        { text: ' Bon', offsets: { from: 0, to: 300 }, p: 0.9 },
        { text: 'jour', offsets: { from: 300, to: 600 }, p: 0.8 },
        { text: ' tout', offsets: { from: 700, to: 900 }, p: 0.9 },
        { text: ' le', offsets: { from: 900, to: 1000 }, p: 0.9 },
        { text: ' monde', offsets: { from: 1000, to: 1500 }, p: 0.95 },
      ],
    },
  ],
});

function fakeCli(body: string): string {
  const file = join(dir, `whisper-cli-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const WRITES_OUTPUT = fakeCli(`
echo "$@" > '${argsFile}'
while [ $# -gt 0 ]; do if [ "$1" = "-of" ]; then stem="$2"; fi; shift; done
echo "whisper_print_progress_callback: progress =  50%" >&2
echo '${OUTPUT}' > "$stem.json"
`);

it('passes model, language, translation and JSON output flags, and reads words, language and progress', async () => {
  const engine = new WhisperCppEngine({ binary: WRITES_OUTPUT, model: '/models/ggml-medium.bin', threads: 4 });
  const progress: number[] = [];
  const transcript = await engine.transcribe('/tmp/in.wav', {
    language: 'auto',
    translate: true,
    durationSeconds: 2,
    onProgress: (p) => progress.push(p),
  });
  const args = readFileSync(argsFile, 'utf8').trim().split(' ');
  expect(args.slice(0, 8)).toEqual(['-m', '/models/ggml-medium.bin', '-f', '/tmp/in.wav', '-l', 'auto', '-ojf', '-of']);
  expect(args).toEqual(expect.arrayContaining(['--print-progress', '-tr', '-t', '4']));
  expect(transcript.language).toBe('fr');
  expect(transcript.words.map((w) => w.word)).toEqual(['Bonjour', 'tout', 'le', 'monde']);
  expect(progress).toEqual([50]);
});

it('reports the CLI’s own error when it fails', async () => {
  const failing = fakeCli('echo "error: failed to load model" >&2; exit 3');
  const engine = new WhisperCppEngine({ binary: failing, model: '/nope.bin' });
  await expect(
    engine.transcribe('/tmp/in.wav', { language: 'en', translate: false, durationSeconds: 1 }),
  ).rejects.toThrow('whisper-cli exited with 3: error: failed to load model');
});

it('stops the CLI when the job is aborted (SIGTERM hand-back)', async () => {
  const slow = fakeCli('sleep 30');
  const engine = new WhisperCppEngine({ binary: slow, model: '/m.bin' });
  const abort = new AbortController();
  const running = engine.transcribe('/tmp/in.wav', {
    language: 'en',
    translate: false,
    durationSeconds: 1,
    signal: abort.signal,
  });
  setTimeout(() => abort.abort(new Error('shutting down')), 100);
  await expect(running).rejects.toThrow('shutting down');
});

it('never starts the CLI for a job aborted before it got there (SIGTERM during the download)', async () => {
  const marker = join(dir, 'started');
  const engine = new WhisperCppEngine({ binary: fakeCli(`touch '${marker}'; sleep 30`), model: '/m.bin' });
  const running = engine.transcribe('/tmp/in.wav', {
    language: 'en',
    translate: false,
    durationSeconds: 1,
    signal: AbortSignal.abort(new Error('shutting down')),
  });
  await expect(running).rejects.toThrow('shutting down');
  expect(existsSync(marker)).toBe(false);
});
