import {
  READABLE_LIMITS,
  buildCues,
  clampToMedia,
  cuesFromSegments,
  enforceDurations,
  toSrt,
  toWebVtt,
  wrapLines,
  type TimedWord,
} from '../../../functions/recordings/subtitles';

/** A steady talker: `n` words of varying length, 0.35 s each with a 0.05 s gap. */
function speech(n: number, from = 0): TimedWord[] {
  const vocabulary = ['meeting', 'a', 'recordings', 'subtitles', 'of', 'extraordinarily', 'we', 'browser', 'the'];
  return Array.from({ length: n }, (_, i) => ({
    word: vocabulary[i % vocabulary.length]!,
    start: from + i * 0.4,
    end: from + i * 0.4 + 0.35,
  }));
}

function assertReadable(cues: { start: number; end: number; text: string }[]) {
  for (const cue of cues) {
    const lines = cue.text.split('\n');
    expect(lines.length).toBeLessThanOrEqual(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(42);
    expect(cue.end - cue.start).toBeLessThanOrEqual(7 + 1e-9);
    expect(cue.end - cue.start).toBeGreaterThanOrEqual(1 - 1e-9);
  }
  for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.end - 1e-9);
}

describe('wrapLines', () => {
  it('wraps at word boundaries within the line limit', () => {
    const lines = wrapLines('the quick brown fox jumps over the lazy dog and keeps running far away', 20);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog and keeps running far away');
  });

  it('hard-splits a single word longer than a line', () => {
    const lines = wrapLines('x'.repeat(50), 42);
    expect(lines).toEqual(['x'.repeat(42), 'x'.repeat(8)]);
  });
});

describe('buildCues', () => {
  it('keeps every cue within 42 characters a line, 2 lines and 1–7 seconds, and loses no word', () => {
    const words = speech(300);
    const cues = buildCues(words);
    assertReadable(cues);
    const text = cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ');
    expect(text.split(' ')).toEqual(words.map((w) => w.word));
  });

  it('caps a cue of slow speech at 7 seconds', () => {
    const slow: TimedWord[] = Array.from({ length: 6 }, (_, i) => ({ word: 'and', start: i * 1.9, end: i * 1.9 + 1 }));
    const cues = buildCues(slow, { ...READABLE_LIMITS, pauseSeconds: 5 });
    assertReadable(cues);
    expect(cues.length).toBeGreaterThan(1);
  });

  it('starts a new cue after a long pause', () => {
    const cues = buildCues([...speech(3), ...speech(3, 10)]);
    expect(cues).toHaveLength(2);
    expect(cues[1]!.start).toBeCloseTo(10);
  });

  it('stretches a lone short word to one second when the next cue leaves room', () => {
    const cues = buildCues([
      { word: 'yes', start: 1, end: 1.2 },
      { word: 'no', start: 5, end: 5.1 },
    ]);
    expect(cues[0]).toEqual({ start: 1, end: 2, text: 'yes' });
    assertReadable(cues);
  });

  it('ignores empty and non-finite words', () => {
    const cues = buildCues([
      { word: ' ', start: 0, end: 1 },
      { word: 'hello', start: 0.5, end: 0.9 },
      { word: 'x', start: Number.NaN, end: 1 },
    ]);
    expect(cues.map((c) => c.text)).toEqual(['hello']);
  });
});

describe('cuesFromSegments', () => {
  it('splits a long engine segment into readable cues', () => {
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const cues = cuesFromSegments([{ start: 0, end: 20, text }]);
    assertReadable(cues);
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(text);
  });
});

describe('enforceDurations', () => {
  it('never pushes a short cue into the next one', () => {
    const cues = enforceDurations([
      { start: 0, end: 0.2, text: 'a' },
      { start: 0.5, end: 2, text: 'b' },
    ]);
    expect(cues[0]!.end).toBeLessThanOrEqual(cues[1]!.start);
  });
});

describe('the media end', () => {
  it('keeps every cue inside the media when the engine places the last words past it, and loses no word', () => {
    // What whisper.cpp did with a 74.8 s file: its last segment ended at 85 s.
    const words: TimedWord[] = [
      ...speech(10, 70),
      { word: 'late', start: 76.2, end: 80 },
      { word: 'later', start: 84, end: 85 },
    ];
    const cues = buildCues(clampToMedia(words, 74.8), READABLE_LIMITS, 74.8);
    expect(Math.max(...cues.map((c) => c.end))).toBeLessThanOrEqual(74.8);
    // The squeezed last cue takes the room between the cue before it and the end (less than the 1 s minimum here:
    // overlapping its neighbour or running past the end would be worse).
    const last = cues[cues.length - 1]!;
    expect(last.start).toBe(cues[cues.length - 2]!.end);
    expect(last.end).toBe(74.8);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.end);
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(words.map((w) => w.word).join(' '));
  });

  it('grows a short last cue backwards instead of past the end', () => {
    const [cue] = cuesFromSegments([{ start: 9.9, end: 10, text: 'bye' }], READABLE_LIMITS, 10);
    expect(cue).toMatchObject({ start: 9, end: 10, text: 'bye' });
  });

  it('leaves timings alone when the duration is unknown', () => {
    const words = [{ word: 'x', start: 5, end: 6 }];
    expect(clampToMedia(words, null)).toEqual(words);
  });
});

describe('writers', () => {
  const cues = [
    { start: 0, end: 1.5, text: 'Hello <b>world</b> & "friends"' },
    { start: 3661.25, end: 3663, text: 'line one\nline two --> not an arrow' },
  ];

  it('writes WebVTT with a header, dot milliseconds and escaped markup', () => {
    const vtt = toWebVtt(cues);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(vtt).toContain('00:00:00.000 --> 00:00:01.500');
    expect(vtt).toContain('01:01:01.250 --> 01:01:03.000');
    expect(vtt).toContain('Hello &lt;b&gt;world&lt;/b&gt; &amp; "friends"');
    // Only the timing lines may contain the arrow.
    expect(vtt.split('\n').filter((l) => l.includes('-->'))).toHaveLength(2);
  });

  it('writes SRT with numbered blocks and comma milliseconds', () => {
    const srt = toSrt(cues);
    expect(srt).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nHello <b>world</b> & "friends"\n\n' +
        '2\n01:01:01,250 --> 01:01:03,000\nline one\nline two -> not an arrow\n',
    );
  });
});
