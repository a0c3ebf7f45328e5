/*
 * Subtitle building and writing, pure. Readability limits follow common broadcast guidance (BBC/Netflix style
 * guides): at most 42 characters a line, 2 lines a cue, and each cue on screen 1–7 seconds.
 */

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export interface TimedWord {
  word: string;
  start: number;
  end: number;
  confidence?: number;
}

export interface CueLimits {
  maxCharsPerLine: number;
  maxLines: number;
  minSeconds: number;
  maxSeconds: number;
  /** A pause this long between words starts a new cue (speech turns read better apart). */
  pauseSeconds: number;
}

export const READABLE_LIMITS: CueLimits = {
  maxCharsPerLine: 42,
  maxLines: 2,
  minSeconds: 1,
  maxSeconds: 7,
  pauseSeconds: 1.2,
};

/** Greedy line wrap; a single word longer than a line is hard-split so no line ever exceeds the limit. */
export function wrapLines(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of text.split(/\s+/).filter(Boolean)) {
    let word = raw;
    while (word.length > maxChars) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, maxChars));
      word = word.slice(maxChars);
    }
    if (!word) continue;
    if (!line) line = word;
    else if (line.length + 1 + word.length <= maxChars) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function fits(words: string[], limits: CueLimits): boolean {
  return wrapLines(words.join(' '), limits.maxCharsPerLine).length <= limits.maxLines;
}

/**
 * Groups timed words into readable cues. Each cue holds as many words as fit in the line/line-count limits and
 * 7 seconds, breaks at long pauses, and is stretched to at least 1 s where the next cue leaves room.
 */
export function buildCues(
  words: TimedWord[],
  limits: CueLimits = READABLE_LIMITS,
  /** The media's duration: no cue is stretched past it. */
  mediaEnd: number | null = null,
): Cue[] {
  const clean = words
    .map((w) => ({ ...w, word: w.word.trim() }))
    .filter((w) => w.word && Number.isFinite(w.start) && Number.isFinite(w.end))
    .map((w) => ({ ...w, end: Math.max(w.end, w.start) }))
    .sort((a, b) => a.start - b.start);

  const groups: TimedWord[][] = [];
  let current: TimedWord[] = [];
  for (const w of clean) {
    if (current.length > 0) {
      const first = current[0]!;
      const last = current[current.length - 1]!;
      const tooLong = w.end - first.start > limits.maxSeconds;
      const pause = w.start - last.end >= limits.pauseSeconds;
      const overflow = !fits([...current.map((c) => c.word), w.word], limits);
      if (tooLong || pause || overflow) {
        groups.push(current);
        current = [];
      }
    }
    current.push(w);
  }
  if (current.length > 0) groups.push(current);

  const cues: Cue[] = groups.map((g) => ({
    start: g[0]!.start,
    end: g[g.length - 1]!.end,
    text: wrapLines(g.map((w) => w.word).join(' '), limits.maxCharsPerLine).join('\n'),
  }));
  return enforceDurations(cues, limits, mediaEnd);
}

/**
 * Keeps timings inside the media: an engine can place the last words past the end (whisper.cpp did with a 74.8 s
 * file, ending a segment at 85 s), and a cue the player never reaches is lost text. Words that start after the end
 * are moved to its last instant rather than dropped (nothing the engine heard is thrown away). Unknown duration:
 * unchanged.
 */
export function clampToMedia<T extends { start: number; end: number }>(
  items: T[],
  durationSeconds: number | null,
): T[] {
  if (durationSeconds === null || !Number.isFinite(durationSeconds) || durationSeconds <= 0) return items;
  const clamp = (t: number) => Math.min(Math.max(t, 0), durationSeconds);
  return items.map((item) => ({ ...item, start: clamp(item.start), end: clamp(item.end) }));
}

/** Splits text (from engines that give segments without word timings) into cues by spreading time over words. */
export function cuesFromSegments(
  segments: Cue[],
  limits: CueLimits = READABLE_LIMITS,
  mediaEnd: number | null = null,
): Cue[] {
  const words: TimedWord[] = [];
  for (const s of segments) {
    const parts = s.text.split(/\s+/).filter(Boolean);
    const total = parts.reduce((n, p) => n + p.length, 0) || 1;
    let t = s.start;
    for (const p of parts) {
      const d = ((s.end - s.start) * p.length) / total;
      words.push({ word: p, start: t, end: t + d });
      t += d;
    }
  }
  return buildCues(words, limits, mediaEnd);
}

/**
 * Enforces 1–7 s on screen without overlapping the next cue or running past the media's end: short cues grow into
 * the gap after them (and before them when the gap after is too small); long ones are capped.
 */
export function enforceDurations(
  cues: Cue[],
  limits: CueLimits = READABLE_LIMITS,
  mediaEnd: number | null = null,
): Cue[] {
  const out = cues.map((c) => ({ ...c }));
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    const next = out[i + 1];
    const prevEnd = i > 0 ? out[i - 1]!.end : 0;
    if (c.end - c.start > limits.maxSeconds) c.end = c.start + limits.maxSeconds;
    if (c.end - c.start < limits.minSeconds) {
      const ceiling = next ? next.start : (mediaEnd ?? Number.POSITIVE_INFINITY);
      c.end = Math.min(c.start + limits.minSeconds, ceiling);
      if (c.end - c.start < limits.minSeconds) c.start = Math.max(prevEnd, c.end - limits.minSeconds);
    }
    c.start = round3(c.start);
    c.end = round3(c.end);
  }
  return out;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function timestamp(seconds: number, separator: '.' | ','): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** WebVTT cue text must not contain "-->" nor unescaped `<` `&` (they start tags and entities). */
function vttText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '--&gt;');
}

export function toWebVtt(cues: Cue[]): string {
  const body = cues.map(
    (c, i) => `${i + 1}\n${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${vttText(c.text)}\n`,
  );
  return ['WEBVTT', '', ...body].join('\n');
}

export function toSrt(cues: Cue[]): string {
  return cues
    .map(
      (c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text.replace(/-->/g, '->')}\n`,
    )
    .join('\n');
}
