import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import type { Cue, TimedWord } from '../../../../functions/recordings/subtitles';
import {
  killEngine,
  UnsupportedOption,
  type TranscribeOptions,
  type Transcript,
  type TranscriptionEngine,
} from './engine';

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

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A JSON string literal, escapes included (`.` with the `s` flag also takes an escaped raw newline). */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/gs;
// eslint-disable-next-line no-control-regex -- the characters JSON forbids raw inside strings
const JSON_CONTROL = /[\u0000-\u001f]/g;

/**
 * Reads the text whisper-cli wrote as JSON. Its writer escapes only `"` and `\`, so a token holding a tab or a
 * newline (Whisper's byte-level vocabulary has such tokens) lands in the file raw, which JSON.parse rejects ("Bad
 * control character in string literal"). Those characters are escaped inside string literals first; outside them
 * they are the writer's own indentation and stay.
 */
export function readWhisperCppJson(text: string): unknown {
  const escaped = text.replace(STRING_LITERAL, (literal) =>
    literal.replace(JSON_CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  return JSON.parse(escaped);
}

/** Control characters become spaces: cue text with them would fail the editor's SubtitleCue validation. */
const visible = (s: string) => s.replace(CONTROL, ' ');

/**
 * Turns whisper.cpp's full JSON into words and segments. Tokens are sub-word pieces: one that starts with a
 * space starts a new word, others continue the previous word (its end time moves on).
 */
export function parseWhisperCppJson(raw: unknown): Transcript {
  const doc = WhisperCppJson.parse(raw);
  const words: TimedWord[] = [];
  const segments: Cue[] = [];
  for (const seg of doc.transcription) {
    const text = visible(seg.text).replace(/ {2,}/g, ' ').trim();
    if (text) segments.push({ start: seg.offsets.from / 1000, end: seg.offsets.to / 1000, text });
    let current: (TimedWord & { ps: number[] }) | null = null;
    const flush = () => {
      if (current && current.word.trim()) {
        const { ps, ...w } = current;
        words.push({ ...w, word: w.word.trim(), confidence: ps.length ? Math.min(...ps) : undefined });
      }
      current = null;
    };
    for (const { text: piece, offsets, p } of seg.tokens ?? []) {
      const token = { text: visible(piece), offsets, p };
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
      // A piece ending in whitespace (a tab or newline token, now a space) ends its word too.
      if (/\s$/.test(token.text)) flush();
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

/**
 * whisper.cpp's CLI (`whisper-cli`) with a ggml model; on the fleet it is built with CUDA (Dockerfile pins v1.9.1,
 * the version checked here).
 *
 * Checked against a real whisper-cli 1.9.1 (CPU build, tiny random-weight model; test/fixtures/whisper-cpp/README.md):
 * every flag below exists with this meaning (`-l auto` detects, `-tr` translates to English, `-ojf` implies `-oj`);
 * `-of out` makes it write `out.json`; with `--no-prints` stderr still carries `whisper_print_progress_callback:
 * progress =  NN%` (once per 30 s window, can pass 100) and `error: ...` lines; `result.language` holds the detected
 * language, not "auto"; token offsets are in ms and `[_TT_n]`/`[_BEG_]` tokens carry no text. The CLI exits 0
 * without JSON for an unknown language or unreadable audio, and writes control characters raw into JSON strings;
 * both are handled here. Not checked here: the CUDA build, and real weights (no GPU, no model download).
 */
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
      const stderr = await this.run(args, options);
      return parseWhisperCppJson(readWhisperCppJson(await readOutput(`${stem}.json`, options.language, stderr)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Resolves with what the CLI said on stderr once it exits 0. */
  private run(args: string[], options: TranscribeOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      // A job aborted before its engine starts (SIGTERM during the download) must not start it: an abort event
      // that has already fired never reaches the listener below.
      options.signal?.throwIfAborted();
      const child = spawn(this.config.binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      const stderr = new StderrLog();
      const onAbort = () => killEngine(child);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr.add(d);
        const percent = parseWhisperProgress(d);
        if (percent !== null) options.onProgress?.(Math.min(99, percent));
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new Error(`${this.config.binary} is not installed`) : e),
      );
      child.on('close', (code) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (options.signal?.aborted) reject(options.signal.reason ?? new Error('aborted'));
        else if (code === 0) resolve(stderr.summary());
        else reject(new Error(`whisper-cli exited with ${code}: ${stderr.summary()}`));
      });
    });
  }
}

/**
 * Keeps the CLI's `error: ...` lines and the last lines of stderr. Errors come first and can be followed by the
 * whole usage text (several kB, e.g. after `error: unknown language`), so a plain tail would lose them.
 */
class StderrLog {
  private errors: string[] = [];
  private partial = '';
  private tail: string[] = [];

  add(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  summary(): string {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return (this.errors.length ? this.errors : this.tail).join(' | ') || 'no message';
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (!line) return;
    if (/^error: /.test(line) && this.errors.length < 3) this.errors.push(line);
    this.tail = [...this.tail, line].slice(-3);
  }
}

/**
 * whisper-cli exits 0 without writing its JSON when it rejects the language (`error: unknown language 'xx'`) or
 * cannot decode the audio (`error: failed to read audio file`); say so in its own words instead of ENOENT. An
 * unknown language fails the same way on every attempt, so it is an UnsupportedOption (no retry).
 */
async function readOutput(file: string, language: string, stderr: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text !== null) return text;
  if (/unknown language/.test(stderr)) {
    throw new UnsupportedOption(`whisper.cpp does not know the language "${language}"`);
  }
  throw new Error(`whisper-cli wrote no transcript: ${stderr}`);
}
