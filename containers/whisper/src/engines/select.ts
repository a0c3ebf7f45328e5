import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NoEngineInstalled, type TranscriptionEngine } from './engine';
import { PocketsphinxEngine } from './pocketsphinx';
import { WhisperCppEngine } from './whisper-cpp';

export type EngineChoice = 'auto' | 'whisper-cpp' | 'pocketsphinx';

export interface EngineSettings {
  choice: EngineChoice;
  whisperBinary: string;
  whisperModel: string | undefined;
  whisperThreads?: number;
  pocketsphinxBinary: string;
  /** For tests: where to look for binaries instead of PATH. */
  path?: string;
}

/** Resolves a command like the shell would (absolute/relative path as is, else each PATH entry). */
export function findExecutable(command: string, path = process.env.PATH ?? ''): string | null {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).map((dir) => join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

const HOW_TO_FIX =
  'Install whisper.cpp (set WHISPER_CPP_PATH to whisper-cli and WHISPER_MODEL_PATH to a ggml model) or ' +
  "Debian's pocketsphinx + pocketsphinx-en-us (apt-get install pocketsphinx pocketsphinx-en-us).";

function whisper(s: EngineSettings): TranscriptionEngine | string {
  const binary = findExecutable(s.whisperBinary, s.path);
  if (!binary) return `whisper.cpp CLI "${s.whisperBinary}" not found`;
  if (!s.whisperModel) return 'WHISPER_MODEL_PATH is not set';
  if (!existsSync(s.whisperModel)) return `Whisper model ${s.whisperModel} does not exist`;
  return new WhisperCppEngine({ binary, model: s.whisperModel, threads: s.whisperThreads });
}

function pocketsphinx(s: EngineSettings): TranscriptionEngine | string {
  const binary = findExecutable(s.pocketsphinxBinary, s.path);
  return binary ? new PocketsphinxEngine({ binary }) : `pocketsphinx "${s.pocketsphinxBinary}" not found`;
}

/** Picks the engine TRANSCRIBE_ENGINE names ('auto': Whisper when installed, else pocketsphinx). */
export function selectEngine(s: EngineSettings): TranscriptionEngine {
  const tried =
    s.choice === 'whisper-cpp' ? [whisper] : s.choice === 'pocketsphinx' ? [pocketsphinx] : [whisper, pocketsphinx];
  const reasons: string[] = [];
  for (const make of tried) {
    const engine = make(s);
    if (typeof engine !== 'string') return engine;
    reasons.push(engine);
  }
  throw new NoEngineInstalled(`No transcription engine is available (${reasons.join('; ')}). ${HOW_TO_FIX}`);
}
