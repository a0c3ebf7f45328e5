import {
  applyCueEdit,
  formatTimestamp,
  normaliseText,
  parseTimestamp,
  parseVtt,
  validateCues,
  type Cue,
} from '../../../../frontend/src/recordings/library/cue-editing';

const cues: Cue[] = [
  { start: 0, end: 2, text: 'Hello there' },
  { start: 2.5, end: 4, text: 'General Kenobi' },
  { start: 5, end: 7.25, text: 'You are a bold one' },
];

describe('timestamps', () => {
  it('reads VTT, SRT and short forms', () => {
    expect(parseTimestamp('01:02:03.456')).toBeCloseTo(3723.456);
    expect(parseTimestamp('00:00:01,5')).toBeCloseTo(1.5);
    expect(parseTimestamp('2:03.4')).toBeCloseTo(123.4);
    expect(parseTimestamp(' 12.25 ')).toBeCloseTo(12.25);
    expect(parseTimestamp('7')).toBe(7);
  });

  it('rejects malformed times', () => {
    for (const bad of ['', 'abc', '1:2:3:4', '00:61:00', '00:00:75', '-1', '1.2345', '1e3']) {
      expect(parseTimestamp(bad)).toBeNull();
    }
  });

  it('writes the WebVTT form and round-trips', () => {
    expect(formatTimestamp(3723.5)).toBe('01:02:03.500');
    expect(formatTimestamp(0)).toBe('00:00:00.000');
    expect(parseTimestamp(formatTimestamp(61.007))).toBeCloseTo(61.007);
  });
});

describe('validateCues', () => {
  it('accepts a well-formed list', () => {
    expect(validateCues(cues)).toEqual([]);
  });

  it('names the field of each problem', () => {
    const issues = validateCues([
      { start: -1, end: 1, text: 'a' },
      { start: 3, end: 2, text: 'b' },
      { start: 4, end: 5, text: '   ' },
      { start: 4.5, end: 6, text: 'x --> y' },
      { start: 7, end: 8, text: 'one\n\ntwo' },
    ]);
    expect(issues.map((i) => [i.index, i.field])).toEqual([
      [0, 'start'],
      [1, 'end'],
      [2, 'text'],
      [3, 'text'],
      [4, 'text'],
    ]);
  });

  it('follows the server limits: at most three lines, no control characters, at least one cue', () => {
    expect(validateCues([{ start: 0, end: 1, text: 'a\nb\nc\nd' }])[0]!.message).toMatch(/at most 3 lines/);
    expect(validateCues([{ start: 0, end: 1, text: 'bell\u0007' }])[0]!.message).toMatch(/control characters/);
    expect(validateCues([{ start: 0, end: 1, text: 'x'.repeat(201) }])[0]!.message).toMatch(/longer than 200/);
    expect(validateCues([])[0]!.message).toMatch(/at least one cue/);
  });

  it('enforces text length, cue count and the recording duration', () => {
    expect(
      validateCues([{ start: 0, end: 1, text: 'x'.repeat(11) }], { maxTextLength: 10, maxLines: 3, maxCues: 5 })[0]!
        .message,
    ).toMatch(/longer than 10/);
    expect(validateCues(cues, { maxTextLength: 100, maxLines: 3, maxCues: 2 })[0]!.message).toMatch(/At most 2 cues/);
    expect(validateCues(cues, { maxTextLength: 100, maxLines: 3, maxCues: 10, durationSeconds: 7 })).toEqual([
      expect.objectContaining({ index: 2, field: 'end', message: expect.stringMatching(/after the end/) }),
    ]);
  });
});

describe('applyCueEdit', () => {
  it('changes text and times without touching the original list', () => {
    const result = applyCueEdit(cues, 1, { start: '00:00:02.600', end: '00:00:04.500', text: '  General  Kenobi!  ' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.cues[1]).toEqual({ start: 2.6, end: 4.5, text: 'General  Kenobi!' });
    expect(cues[1]).toEqual({ start: 2.5, end: 4, text: 'General Kenobi' });
  });

  it('refuses a malformed time with an example of the right form', () => {
    const result = applyCueEdit(cues, 0, { start: 'soon' });
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ field: 'start', message: expect.stringMatching(/00:01:02.500/) })],
    });
  });

  it('refuses a start that moves a cue before the previous one, reporting it where the order breaks', () => {
    const result = applyCueEdit(cues, 2, { start: '00:00:02', end: '00:00:03' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      expect.objectContaining({ index: 2, field: 'start', message: expect.stringMatching(/time order/) }),
    ]);
  });

  it('allows overlapping cues, as WebVTT and the server do', () => {
    expect(applyCueEdit(cues, 0, { end: '00:00:03' }).ok).toBe(true);
  });

  it('refuses an empty text and an edit of a cue that does not exist', () => {
    expect(applyCueEdit(cues, 2, { text: '\n  \n' }).ok).toBe(false);
    expect(applyCueEdit(cues, 9, { text: 'x' }).ok).toBe(false);
  });
});

describe('text and VTT', () => {
  it('keeps line breaks but trims each line', () => {
    expect(normaliseText('  one \r\n two  ')).toBe('one\ntwo');
  });

  it('reads cues from a WebVTT document, ignoring header, ids and settings', () => {
    const vtt =
      'WEBVTT\n\nNOTE made by a test\n\n1\n00:00:00.000 --> 00:00:02.000 align:start\nHello there\n\n00:02.500 --> 00:04.000\nGeneral\nKenobi\n';
    expect(parseVtt(vtt)).toEqual([
      { start: 0, end: 2, text: 'Hello there' },
      { start: 2.5, end: 4, text: 'General\nKenobi' },
    ]);
  });
});
