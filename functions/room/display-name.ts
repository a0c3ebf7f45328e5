import { LIMITS } from '../shared/protocol/room';
import { RoomRuleError } from './errors';

/**
 * The one rule for names other people see (guest sign-in, Google names, the room roster, lobby and chat author).
 *
 * NFKC folds compatibility look-alikes (full-width "Ａｎｎ", ligatures, superscripts, the many space characters) into
 * one spelling, so two names that render the same are more often the same string. What NFKC cannot fold is refused:
 * - bidi controls (U+200E/F, U+061C, U+202A–202E, U+2066–2069) reorder the text around the name;
 * - every other invisible character: \p{C} (control, format, unassigned, private use, lone surrogates) and the
 *   Default_Ignorable code points that are letters or marks (U+3164 HANGUL FILLER, variation selectors, U+034F),
 *   plus line/paragraph separators and U+2800 BRAILLE PATTERN BLANK, which render as nothing.
 * Emoji need two of these: ZERO WIDTH JOINER between pictographs (👩‍💻) and VARIATION SELECTOR-16 after one (🏳️). Both are
 * allowed in exactly those places; anywhere else they only hide a difference between two names.
 */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\p{C}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\u2800]/u;
// The emoji sequences above, removed before looking for invisible characters (never from the stored name).
const EMOJI_GLUE =
  /(?<=\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F)\u200D(?=\p{Extended_Pictographic})|(?<=\p{Extended_Pictographic})\uFE0F/gu;

// Emoji glue is matched first and kept; any other refused character is dropped.
const STRIP = new RegExp(`(${EMOJI_GLUE.source})|${BIDI_CONTROL.source}|${INVISIBLE.source}`, 'gu');

/** NFKC, every run of white space as one space, trimmed: the form that is stored, measured and shown. */
export function normaliseDisplayName(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/\p{Zs}+/gu, ' ')
    .trim();
}

/** Why a normalised name cannot be shown to others, in words for the person who chose it; undefined when it can. */
export function displayNameProblem(name: string): string | undefined {
  if (BIDI_CONTROL.test(name)) return 'Names cannot contain text-direction characters';
  if (INVISIBLE.test(name.replace(EMOJI_GLUE, ''))) return 'Names cannot contain invisible or control characters';
  if (name.length === 0) return 'Enter a name';
  return undefined;
}

/** A name taken from elsewhere (a provider profile) made showable: refused characters dropped, then normalised. */
export function stripDisplayName(raw: string): string {
  return normaliseDisplayName(
    raw.normalize('NFKC').replace(STRIP, (match, glue: string | undefined) => (glue === undefined ? '' : match)),
  );
}

export const invalidDisplayName = (problem: string) =>
  new RoomRuleError('invalid_message', `${problem}; sign in again with a different name`, 400);

/**
 * The name shown in the room, from the access token's name (which allows 100 characters). Normalised and checked
 * again here, so a token minted before these rules cannot carry a spoofing name into a roster; then cut to the
 * room's 40-unit limit on a grapheme boundary, so an emoji is never split. Markup is left as is: names are data and
 * the browser renders them as text.
 */
export function roomDisplayName(name: string): string {
  const normal = normaliseDisplayName(name);
  if (normal.length === 0) return 'Guest';
  const problem = displayNameProblem(normal);
  if (problem) throw invalidDisplayName(problem);
  let out = '';
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(normal)) {
    if (out.length + segment.length > LIMITS.displayName) break;
    out += segment;
  }
  return out.trim();
}
