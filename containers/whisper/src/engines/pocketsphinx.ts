import { spawn } from 'node:child_process';
import type { TimedWord } from '../../../../functions/recordings/subtitles';
import { LOCAL_SPEECH_ENGINE } from '../../../../functions/shared/protocol/recordings';
import {
  UnsupportedOption,
  killEngine,
  type TranscribeOptions,
  type Transcript,
  type TranscriptionEngine,
} from './engine';

/**
 * Parses `pocketsphinx_continuous -time yes` output: per utterance, a hypothesis line, then one line per token
 * `word start end confidence`. Fillers (`<s>`, `</s>`, `<sil>`, `[NOISE]`, `++…++`) are dropped; alternate
 * pronunciations (`the(2)`) keep their word.
 */
export function parsePocketsphinxOutput(stdout: string): TimedWord[] {
  const words: TimedWord[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$/.exec(line.trim());
    if (!m) continue;
    const token = m[1]!;
    if (/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token)) continue;
    words.push({
      word: token.replace(/\(\d+\)$/, ''),
      start: Number(m[2]),
      end: Number(m[3]),
      confidence: Math.max(0, Math.min(1, Number(m[4]))),
    });
  }
  return words;
}

export interface PocketsphinxConfig {
  binary: string;
  /** Extra arguments (e.g. `-hmm`, `-lm`, `-dict` for another language model). */
  extraArgs?: string[];
}

/** CMU PocketSphinx, as Debian ships it: English (US) only, offline, about 0.2× real time on one core. */
export class PocketsphinxEngine implements TranscriptionEngine {
  readonly name = LOCAL_SPEECH_ENGINE;
  readonly canTranslate = false;
  readonly canDetectLanguage = false;

  constructor(private readonly config: PocketsphinxConfig) {}

  async transcribe(wavFile: string, options: TranscribeOptions): Promise<Transcript> {
    if (options.translate) {
      throw new UnsupportedOption('The pocketsphinx engine cannot translate; translation needs the Whisper engine');
    }
    if (options.language !== 'auto' && options.language !== 'en') {
      throw new UnsupportedOption(`The pocketsphinx engine has only an English model, not "${options.language}"`);
    }
    const stdout = await this.run(wavFile, options);
    return { language: 'en', words: parsePocketsphinxOutput(stdout), segments: [] };
  }

  private run(wavFile: string, options: TranscribeOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      // A job aborted before its engine starts (SIGTERM during the download) must not start it: an abort event
      // that has already fired never reaches the listener below.
      options.signal?.throwIfAborted();
      const child = spawn(this.config.binary, ['-infile', wavFile, '-time', 'yes', ...(this.config.extraArgs ?? [])], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      let errTail = '';
      const onAbort = () => killEngine(child);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        // Utterances arrive as they finish: the last word's end time over the duration is the progress.
        if (options.onProgress && options.durationSeconds) {
          const ends = [...d.matchAll(/\s(\d+\.\d+)\s+\d+(?:\.\d+)?\s*$/gm)].map((m) => Number(m[1]));
          if (ends.length) options.onProgress(Math.min(99, (100 * Math.max(...ends)) / options.durationSeconds));
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (errTail = (errTail + d).slice(-4000)));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new Error(`${this.config.binary} is not installed`) : e),
      );
      child.on('close', (code) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (options.signal?.aborted) reject(options.signal.reason ?? new Error('aborted'));
        else if (code === 0) resolve(out);
        else reject(new Error(`pocketsphinx exited with ${code}: ${errTail.split('\n').slice(-3).join(' | ')}`));
      });
    });
  }
}
