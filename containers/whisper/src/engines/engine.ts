import type { ChildProcess } from 'node:child_process';
import type { Cue, TimedWord } from '../../../../functions/recordings/subtitles';

export interface TranscribeOptions {
  /** ISO 639-1 code, or 'auto' to let the engine detect it. */
  language: string;
  /** Translate the speech into English (Whisper only). */
  translate: boolean;
  /** Media length, for progress when the engine reports only timestamps. */
  durationSeconds: number | null;
  onProgress?: (percent: number) => void;
  /** Aborting kills the engine process (SIGTERM hand-back). */
  signal?: AbortSignal;
}

export interface Transcript {
  /** Detected or given language; null when the engine cannot tell. */
  language: string | null;
  /** Word timings when the engine gives them (the cue builder prefers these). */
  words: TimedWord[];
  /** Segment texts with times, for engines that time segments but not words. */
  segments: Cue[];
}

/** The port every speech engine implements; the worker never knows which one runs. */
export interface TranscriptionEngine {
  readonly name: string;
  readonly canTranslate: boolean;
  readonly canDetectLanguage: boolean;
  /** `wavFile` is 16 kHz mono PCM WAV. */
  transcribe(wavFile: string, options: TranscribeOptions): Promise<Transcript>;
}

/** The job asked for something this engine cannot do: retrying will not help, so it fails the recording at once. */
export class UnsupportedOption extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOption';
  }
}

/** No engine is installed or configured: a deployment problem, reported at start-up with how to fix it. */
export class NoEngineInstalled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoEngineInstalled';
  }
}

/**
 * Engines run in their own process group (spawn `detached: true`) so an abort kills the engine and anything it
 * started; otherwise a helper holding the output pipes open would keep the job "running" after SIGTERM.
 */
export function killEngine(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
