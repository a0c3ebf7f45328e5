import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoEngineInstalled, UnsupportedOption } from '../../../containers/whisper/src/engines/engine';
import { PocketsphinxEngine, parsePocketsphinxOutput } from '../../../containers/whisper/src/engines/pocketsphinx';
import { selectEngine } from '../../../containers/whisper/src/engines/select';
import {
  WhisperCppEngine,
  parseWhisperCppJson,
  parseWhisperProgress,
} from '../../../containers/whisper/src/engines/whisper-cpp';

// Captured from `pocketsphinx_continuous -infile x.wav -time yes` (Debian 5prealpha).
const POCKETSPHINX = `we are so with the old
<s> 0.000 0.220 0.998201
we 0.230 0.350 0.271674
<sil> 0.360 0.510 0.857171
are 0.520 0.900 0.583762
[NOISE] 0.910 1.000 0.500000
the(2) 2.040 2.220 0.243762
++UM++ 2.230 2.300 0.100000
old 2.230 2.440 0.350982
</s> 5.050 5.350 1.000000
`;

describe('pocketsphinx output', () => {
  it('keeps words with their times and confidence, drops fillers, strips pronunciation variants', () => {
    expect(parsePocketsphinxOutput(POCKETSPHINX)).toEqual([
      { word: 'we', start: 0.23, end: 0.35, confidence: 0.271674 },
      { word: 'are', start: 0.52, end: 0.9, confidence: 0.583762 },
      { word: 'the', start: 2.04, end: 2.22, confidence: 0.243762 },
      { word: 'old', start: 2.23, end: 2.44, confidence: 0.350982 },
    ]);
  });

  it('says it cannot translate or recognise other languages', async () => {
    const engine = new PocketsphinxEngine({ binary: '/nonexistent' });
    await expect(engine.transcribe('x.wav', { language: 'en', translate: true, durationSeconds: 1 })).rejects.toThrow(
      new UnsupportedOption('The pocketsphinx engine cannot translate; translation needs the Whisper engine'),
    );
    await expect(
      engine.transcribe('x.wav', { language: 'de', translate: false, durationSeconds: 1 }),
    ).rejects.toBeInstanceOf(UnsupportedOption);
  });

  it('never starts for a job aborted before it got there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-sphinx-'));
    const marker = join(dir, 'started');
    const binary = join(dir, 'pocketsphinx');
    writeFileSync(binary, `#!/bin/sh\ntouch '${marker}'\nsleep 30\n`);
    chmodSync(binary, 0o755);
    const engine = new PocketsphinxEngine({ binary });
    await expect(
      engine.transcribe('x.wav', {
        language: 'en',
        translate: false,
        durationSeconds: 1,
        signal: AbortSignal.abort(new Error('shutting down')),
      }),
    ).rejects.toThrow('shutting down');
    expect(existsSync(marker)).toBe(false);
  });
});

// The shape whisper-cli writes with --output-json-full (offsets in ms; tokens are sub-word pieces).
const WHISPER = {
  systeminfo: 'AVX = 1',
  model: { type: 'medium' },
  params: { model: 'ggml-medium.bin', language: 'auto', translate: false },
  result: { language: 'de' },
  transcription: [
    {
      timestamps: { from: '00:00:00,000', to: '00:00:02,500' },
      offsets: { from: 0, to: 2500 },
      text: ' Guten Morgen, Welt.',
      tokens: [
        { text: '[_BEG_]', offsets: { from: 0, to: 0 }, id: 50364, p: 0.9 },
        { text: ' Gu', offsets: { from: 0, to: 300 }, id: 1, p: 0.8 },
        { text: 'ten', offsets: { from: 300, to: 600 }, id: 2, p: 0.6 },
        { text: ' Morgen', offsets: { from: 700, to: 1200 }, id: 3, p: 0.95 },
        { text: ',', offsets: { from: 1200, to: 1250 }, id: 4, p: 0.99 },
        { text: ' Welt.', offsets: { from: 1400, to: 2400 }, id: 5, p: 0.7 },
        { text: '[_TT_125]', offsets: { from: 2500, to: 2500 }, id: 50489, p: 0.5 },
      ],
    },
  ],
};

describe('whisper.cpp output', () => {
  it('joins sub-word tokens into timed words and keeps segments and the detected language', () => {
    expect(parseWhisperCppJson(WHISPER)).toEqual({
      language: 'de',
      words: [
        { word: 'Guten', start: 0, end: 0.6, confidence: 0.6 },
        { word: 'Morgen,', start: 0.7, end: 1.25, confidence: 0.95 },
        { word: 'Welt.', start: 1.4, end: 2.4, confidence: 0.7 },
      ],
      segments: [{ start: 0, end: 2.5, text: 'Guten Morgen, Welt.' }],
    });
  });

  it('refuses output that is not whisper.cpp JSON', () => {
    expect(() => parseWhisperCppJson({ text: 'hi' })).toThrow();
  });

  it('reads the last progress figure of a stderr chunk', () => {
    expect(parseWhisperProgress('whisper_print_progress_callback: progress =  35%\n...progress =  40%\n')).toBe(40);
    expect(parseWhisperProgress('whisper_init_from_file: loading model')).toBeNull();
  });
});

describe('selectEngine', () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-engines-'));
  const settings = {
    choice: 'auto' as const,
    whisperBinary: 'whisper-cli',
    whisperModel: undefined,
    pocketsphinxBinary: 'pocketsphinx_continuous',
    path: empty,
  };

  it('explains how to install an engine when none is present', () => {
    expect(() => selectEngine(settings)).toThrow(NoEngineInstalled);
    expect(() => selectEngine(settings)).toThrow(/apt-get install pocketsphinx pocketsphinx-en-us/);
  });

  it('prefers whisper.cpp when its CLI and model are present, else falls back to pocketsphinx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engines-'));
    for (const name of ['whisper-cli', 'pocketsphinx_continuous']) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    const model = join(dir, 'ggml-medium.bin');
    writeFileSync(model, 'model');
    expect(selectEngine({ ...settings, path: dir, whisperModel: model })).toBeInstanceOf(WhisperCppEngine);
    expect(selectEngine({ ...settings, path: dir }).name).toBe('pocketsphinx');
    expect(() => selectEngine({ ...settings, choice: 'whisper-cpp', path: dir })).toThrow(/WHISPER_MODEL_PATH/);
  });
});
