import {
  displayNameProblem,
  normaliseDisplayName,
  roomDisplayName,
  stripDisplayName,
} from '../../../functions/room/display-name';

describe('display name rules', () => {
  it.each([
    ['full-width letters', 'Ａｎｎ', 'Ann'],
    ['a ligature', 'ﬁona', 'fiona'],
    ['non-breaking and ideographic spaces, runs collapsed', ' Ann\u00a0\u3000 Lee ', 'Ann Lee'],
    ['composed and decomposed é alike', 'Rene\u0301', 'René'],
  ])('normalises %s (NFKC, trimmed)', (_label, raw, expected) => {
    expect(normaliseDisplayName(raw)).toBe(expected);
  });

  it.each([
    ['U+202E right-to-left override', 'Ann\u202Egnp.exe'],
    ['U+202A left-to-right embedding', '\u202AAnn'],
    ['U+2066 left-to-right isolate', 'Ann\u2066x'],
    ['U+2069 pop directional isolate', 'Ann\u2069'],
    ['U+200E left-to-right mark', 'Ann\u200E'],
    ['U+200F right-to-left mark', '\u200FAnn'],
    ['U+061C Arabic letter mark', 'An\u061Cn'],
  ])('refuses %s as a text-direction character', (_label, name) => {
    expect(displayNameProblem(normaliseDisplayName(name))).toBe('Names cannot contain text-direction characters');
  });

  it.each([
    ['U+200B zero-width space', 'An\u200Bn'],
    ['U+200C zero-width non-joiner', 'An\u200Cn'],
    ['U+200D zero-width joiner between letters', 'An\u200Dn'],
    ['U+2060 word joiner', 'Ann\u2060'],
    ['U+FEFF byte order mark inside', 'An\uFEFFn'],
    ['U+00AD soft hyphen', 'An\u00ADn'],
    ['U+3164 Hangul filler', '\u3164'],
    ['U+FFA0 half-width Hangul filler', 'Ann\uFFA0'],
    ['U+034F combining grapheme joiner', 'An\u034Fn'],
    ['U+FE00 variation selector after a letter', 'An\uFE00n'],
    ['U+2800 braille blank', 'Ann\u2800'],
    ['a tag character', 'Ann\u{E0041}'],
    ['U+0007 bell', 'Ann\u0007'],
    ['a line feed', 'Ann\nLee'],
    ['a tab', 'Ann\tLee'],
    ['U+2028 line separator', 'Ann\u2028Lee'],
    ['U+0085 next line', 'Ann\u0085Lee'],
    ['a private-use character', 'Ann\uE000'],
    ['a lone surrogate', 'Ann\uD800'],
  ])('refuses %s as invisible or control', (_label, name) => {
    expect(displayNameProblem(normaliseDisplayName(name))).toBe('Names cannot contain invisible or control characters');
  });

  it.each(['👩‍💻 Ann', '🏳️‍🌈', '👩🏽‍💻', '❤️ Lee', '<b>Ann</b> & "Bob"', 'Zoë', '李小龍', 'محمد', 'देवनागरी'])(
    'accepts %j (emoji joiners and VS16 only where emoji need them)',
    (name) => {
      expect(displayNameProblem(normaliseDisplayName(name))).toBeUndefined();
    },
  );

  it('cleans a provider name instead of refusing it, keeping emoji intact', () => {
    expect(stripDisplayName('Grace\u202E Hopper\u0000\u200B')).toBe('Grace Hopper');
    expect(stripDisplayName('Ｇｒａｃｅ 👩‍💻')).toBe('Grace 👩‍💻');
  });
});

describe('room display names', () => {
  it('keeps markup as text, caps at 40 without splitting emoji, falls back to Guest when blank', () => {
    expect(roomDisplayName('<b>Ana</b>')).toBe('<b>Ana</b>');
    expect(roomDisplayName('   ')).toBe('Guest');
    expect(roomDisplayName('a' + '😀'.repeat(30))).toBe('a' + '😀'.repeat(19));
    expect(roomDisplayName('a' + '👩‍💻'.repeat(20))).toBe('a' + '👩‍💻'.repeat(7));
  });

  it('normalises before measuring and refuses a spoofing name with the room error style', () => {
    expect(roomDisplayName('Ａｎｎ')).toBe('Ann');
    expect(() => roomDisplayName('Ann\u202Egnp.exe')).toThrow(
      expect.objectContaining({
        status: 400,
        socketCode: 'invalid_message',
        message: expect.stringMatching(/text-direction/),
      }),
    );
    expect(() => roomDisplayName('Ann\nBob')).toThrow(/invisible or control/);
  });
});
