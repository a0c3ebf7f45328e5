import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Cue, TimedWord } from '../../../../functions/recordings/subtitles';
import { killEngine, type TranscribeOptions, type Transcript, type TranscriptionEngine } from './engine';

const Offsets = z.object({ from: z.number(), to: z.number() });
/** whisper-cli `--output-json-full` (offsets in milliseconds). */
const WhisperCppJson = z.object({
  result: z.object({ language: z.string().optional() }).optional(),
  transcription: z.array(
    z.object({
      offsets: Offsets,
      text: z.string(),
      tokens: z.array(z.object({ text: z.string(), offsets: Offsets.optional(), p: z.number().optional() })).optional(),
    }),
  ),
});

/** Special tokens ([_BEG_], [_TT_150], <|endoftext|>) carry no text. */
const SPECIAL = /^\s*(\[_[A-Z_0-9]+\]|<\|[^|]*\|>)\s*$/;

/**
 * Turns whisper.cpp's full JSON into words and segments. Tokens are sub-word pieces: one that starts with a
 * space starts a new word, others continue the previous word (its end time moves on).
 */
export function parseWhisperCppJson(raw: unknown): Transcript {
  const doc = WhisperCppJson.parse(raw);
  const words: TimedWord[] = [];
  const segments: Cue[] = [];
  for (const seg of doc.transcription) {
    const text = seg.text.trim();
    if (text) segments.push({ start: seg.offsets.from / 1000, end: seg.offsets.to / 1000, text });
    let current: (TimedWord & { ps: number[] }) | null = null;
    const flush = () => {
      if (current && current.word.trim()) {
        const { ps, ...w } = current;
        words.push({ ...w, word: w.word.trim(), confidence: ps.length ? Math.min(...ps) : undefined });
      }
      current = null;
    };
    for (const token of seg.tokens ?? []) {
      if (SPECIAL.test(token.text) || !token.offsets) continue;
      const start = token.offsets.from / 1000;
      const end = token.offsets.to / 1000;
      if (current === null || /^\s/.test(token.text)) {
        flush();
        current = { word: token.text, start, end, ps: token.p === undefined ? [] : [token.p] };
      } else {
        const c: TimedWord & { ps: number[] } = current;
        c.word += token.text;
        c.end = Math.max(c.end, end);
        if (token.p !== undefined) c.ps.push(token.p);
      }
    }
    flush();
  }
  const language = doc.result?.language ?? null;
  return { language, words, segments };
}

/** `whisper_print_progress_callback: progress =  35%` on stderr with --print-progress. */
export function parseWhisperProgress(chunk: string): number | null {
  const all = [...chunk.matchAll(/progress\s*=\s*(\d+)%/g)];
  return all.length ? Number(all[all.length - 1]![1]) : null;
}

export interface WhisperCppConfig {
  binary: string;
  model: string;
  threads?: number;
}

/** whisper.cpp's CLI (`whisper-cli`) with a ggml model; on the fleet it is built with CUDA. */
export class WhisperCppEngine implements TranscriptionEngine {
  readonly name = 'whisper-cpp';
  readonly canTranslate = true;
  readonly canDetectLanguage = true;

  constructor(private readonly config: WhisperCppConfig) {}

  async transcribe(wavFile: string, options: TranscribeOptions): Promise<Transcript> {
    const dir = await mkdtemp(join(tmpdir(), 'whisper-'));
    const stem = join(dir, 'out');
    try {
      const args = ['-m', this.config.model, '-f', wavFile, '-l', options.language, '-ojf', '-of', stem];
      args.push('--print-progress', '--no-prints');
      if (options.translate) args.push('-tr');
      if (this.config.threads) args.push('-t', String(this.config.threads));
      await this.run(args, options);
      return parseWhisperCppJson(JSON.parse(await readFile(`${stem}.json`, 'utf8')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(args: string[], options: TranscribeOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.config.binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let errTail = '';
      const onAbort = () => killEngine(child);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        errTail = (errTail + d).slice(-4000);
        const percent = parseWhisperProgress(d);
        if (percent !== null) options.onProgress?.(Math.min(99, percent));
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new Error(`${this.config.binary} is not installed`) : e),
      );
      child.on('close', (code) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (options.signal?.aborted) reject(options.signal.reason ?? new Error('aborted'));
        else if (code === 0) resolve();
        else reject(new Error(`whisper-cli exited with ${code}: ${errTail.split('\n').slice(-3).join(' | ')}`));
      });
    });
  }
}
