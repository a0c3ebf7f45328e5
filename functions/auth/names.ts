import { z } from 'zod';

// Control characters break logs and terminals; bidi overrides and line separators let a name rewrite how the
// text around it reads ("Ann" followed by a reversed "tsoh eht si siht"). Everything else, HTML and SQL
// metacharacters included, is kept verbatim: names are data, always rendered with textContent and bound as
// SQL parameters.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/u;

export const MAX_GUEST_NAME = 40;
/** UTF-16 units, as JavaScript and zod count; the users.name CHECK counts code points, which is never more. */
export const MAX_STORED_NAME = 100;

/** Length in user-perceived characters, so an emoji or an accented letter counts once. */
function graphemes(value: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(value)].length;
}

export const guestNameSchema = z
  .string()
  .transform((value) => value.normalize('NFC').trim())
  .refine((value) => value.length > 0, 'Enter a name')
  .refine((value) => graphemes(value) <= MAX_GUEST_NAME, `Use at most ${MAX_GUEST_NAME} characters`)
  // 40 emoji built from many code points each would still overflow the 100-unit column and token claim.
  .refine((value) => value.length <= MAX_STORED_NAME, `Use at most ${MAX_GUEST_NAME} characters`)
  .refine((value) => !FORBIDDEN.test(value), 'Remove control or text-direction characters from the name');

/**
 * A provider's display name made safe to store: forbidden characters dropped, clamped to 100 characters.
 * Google names are the user's own but can be long or empty; we fall back to the email's local part.
 */
export function providerDisplayName(name: string | undefined, email: string | undefined): string {
  const clean = (value: string | undefined) => {
    let out = '';
    for (const ch of (value ?? '').normalize('NFC').replace(new RegExp(FORBIDDEN.source, 'gu'), '').trim()) {
      if (out.length + ch.length > MAX_STORED_NAME) break;
      out += ch;
    }
    return out.trim();
  };
  return clean(name) || clean(email?.split('@')[0]) || 'Google user';
}
