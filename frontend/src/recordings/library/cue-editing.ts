import { CUE_MAX_LINES, CUE_MAX_TEXT, MAX_CUES, SubtitleCues } from '../../../../functions/shared/protocol/recordings';

/** A subtitle cue as the editor holds it: times in seconds. */
export interface Cue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface CueIssue {
  /** index into the cue list */
  readonly index: number;
  readonly field: 'start' | 'end' | 'text';
  readonly message: string;
}

export interface CueLimits {
  readonly maxTextLength: number;
  readonly maxLines: number;
  readonly maxCues: number;
  /** Media duration when known: no cue may end after it. */
  readonly durationSeconds?: number;
}

/** The server's limits (the same constants its schema enforces), so the editor refuses exactly what it would. */
export const DEFAULT_CUE_LIMITS: CueLimits = {
  maxTextLength: CUE_MAX_TEXT,
  maxLines: CUE_MAX_LINES,
  maxCues: MAX_CUES,
};

const TIMESTAMP = /^(?:(\d{1,2}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$|^(\d+)(?:[.,](\d{1,3}))?$/;

/** Reads "01:02:03.456", "02:03.4", "2:03,456" (SRT comma) or plain seconds "123.5"; null when malformed. */
export function parseTimestamp(input: string): number | null {
  const m = TIMESTAMP.exec(input.trim());
  if (!m) return null;
  if (m[5] !== undefined) {
    return Number(m[5]) + fraction(m[6]);
  }
  const hours = m[1] === undefined ? 0 : Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (minutes > 59 || seconds > 59) return null;
  return hours * 3600 + minutes * 60 + seconds + fraction(m[4]);
}

function fraction(digits: string | undefined): number {
  if (!digits) return 0;
  return Number(digits.padEnd(3, '0')) / 1000;
}

/** 3723.5 → "01:02:03.500" (the WebVTT form). */
export function formatTimestamp(seconds: number): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const s = Math.floor((totalMs % 60_000) / 1000);
  const ms = totalMs % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Every problem with a cue list, so the editor can mark each field. Friendly checks first; then the server's own
 * schema as a net, so the editor never lets through a list the API would refuse with a 400.
 */
export function validateCues(cues: readonly Cue[], limits: CueLimits = DEFAULT_CUE_LIMITS): CueIssue[] {
  const issues: CueIssue[] = [];
  if (cues.length === 0) issues.push({ index: 0, field: 'text', message: 'Keep at least one cue.' });
  if (cues.length > limits.maxCues) {
    issues.push({ index: limits.maxCues, field: 'text', message: `At most ${limits.maxCues} cues are allowed.` });
  }
  cues.forEach((cue, index) => {
    if (!Number.isFinite(cue.start) || cue.start < 0) {
      issues.push({ index, field: 'start', message: 'Start must be a time at or after 00:00:00.000.' });
    }
    const previous = cues[index - 1];
    if (previous && Number.isFinite(cue.start) && cue.start < previous.start) {
      // WebVTT allows overlapping cues but requires start times in order.
      issues.push({
        index,
        field: 'start',
        message: `Starts before the previous cue (${formatTimestamp(previous.start)}); keep cues in time order.`,
      });
    }
    if (!Number.isFinite(cue.end) || cue.end <= cue.start) {
      issues.push({ index, field: 'end', message: 'End must be after the start.' });
    } else if (limits.durationSeconds !== undefined && cue.end > limits.durationSeconds + 0.001) {
      issues.push({
        index,
        field: 'end',
        message: `End is after the end of the recording (${formatTimestamp(limits.durationSeconds)}).`,
      });
    }
    const textIssue = checkText(cue.text, limits);
    if (textIssue) issues.push({ index, field: 'text', message: textIssue });
  });
  if (issues.length === 0 && cues.length > 0) {
    const parsed = SubtitleCues.safeParse(cues);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [index, field] = issue.path;
        issues.push({
          index: typeof index === 'number' ? index : 0,
          field: field === 'start' || field === 'end' ? field : 'text',
          message: issue.message,
        });
      }
    }
  }
  return issues;
}

function checkText(raw: string, limits: CueLimits): string | null {
  const text = raw.trim();
  if (text.length === 0) return 'Text must not be empty.';
  if (text.length > limits.maxTextLength) return `Text is longer than ${limits.maxTextLength} characters.`;
  // "-->" inside the text would be read as a timing line by every WebVTT parser.
  if (text.includes('-->')) return 'Text must not contain "-->".';
  // A blank line ends a cue in both VTT and SRT: the rest would be lost.
  if (/\n\s*\n/.test(text)) return 'Text must not contain blank lines.';
  if (text.split('\n').length > limits.maxLines) return `Text may have at most ${limits.maxLines} lines.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) return 'Text must not contain control characters.';
  return null;
}

/** Raw field values as typed into the editor. */
export interface CueEdit {
  readonly start?: string;
  readonly end?: string;
  readonly text?: string;
}

export type CueEditResult =
  { readonly ok: true; readonly cues: readonly Cue[] } | { readonly ok: false; readonly issues: readonly CueIssue[] };

/** Applies one edited row, returning the new list or the issues that prevent it; the input is never changed. */
export function applyCueEdit(
  cues: readonly Cue[],
  index: number,
  edit: CueEdit,
  limits: CueLimits = DEFAULT_CUE_LIMITS,
): CueEditResult {
  const current = cues[index];
  if (!current) return { ok: false, issues: [{ index, field: 'text', message: 'That cue no longer exists.' }] };
  const issues: CueIssue[] = [];
  const start = edit.start === undefined ? current.start : parseTimestamp(edit.start);
  const end = edit.end === undefined ? current.end : parseTimestamp(edit.end);
  if (start === null) issues.push({ index, field: 'start', message: 'Start must look like 00:01:02.500.' });
  if (end === null) issues.push({ index, field: 'end', message: 'End must look like 00:01:04.000.' });
  if (issues.length > 0) return { ok: false, issues };
  const text = edit.text === undefined ? current.text : normaliseText(edit.text);
  const next = cues.map((cue, i) => (i === index ? { start: start!, end: end!, text } : cue));
  const problems = validateCues(next, limits).filter((issue) => issue.index === index || issue.index === index + 1);
  return problems.length > 0 ? { ok: false, issues: problems } : { ok: true, cues: next };
}

/** Trims each line and drops trailing spaces, keeping intended line breaks. */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .trim();
}

/** Reads the cues of a WebVTT file (used to fill the editor from the current version). */
export function parseVtt(vtt: string): Cue[] {
  const blocks = vtt.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  const cues: Cue[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const timingIndex = lines.findIndex((l) => l.includes('-->'));
    if (timingIndex < 0) continue;
    const [left, right] = lines[timingIndex]!.split('-->');
    const start = parseTimestamp(left ?? '');
    const end = parseTimestamp((right ?? '').trim().split(/\s+/)[0] ?? '');
    if (start === null || end === null) continue;
    cues.push({ start, end, text: lines.slice(timingIndex + 1).join('\n') });
  }
  return cues;
}
