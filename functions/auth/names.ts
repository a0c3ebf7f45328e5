import * as z from 'zod';
import { displayNameProblem, normaliseDisplayName, stripDisplayName } from '../room/display-name';

export const MAX_GUEST_NAME = 40;
/** UTF-16 units, as JavaScript and zod count; the users.name CHECK counts code points, which is never more. */
export const MAX_STORED_NAME = 100;

/** Length in user-perceived characters, so an emoji or an accented letter counts once. */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
function graphemes(value: string): number {
  return [...segmenter.segment(value)].length;
}

// Names are data, always rendered with textContent and bound as SQL parameters: HTML and SQL metacharacters are kept
// verbatim. What is refused (invisible, control and text-direction characters) is decided in one place,
// functions/room/display-name.ts, for guest names, provider names and room rosters alike.
export const guestNameSchema = z
  .string()
  // Measured after normalising: NFKC can lengthen a name (one ligature becomes several letters).
  .transform(normaliseDisplayName)
  .refine((value) => value.length > 0, 'Enter a name')
  .refine((value) => graphemes(value) <= MAX_GUEST_NAME, `Use at most ${MAX_GUEST_NAME} characters`)
  // 40 emoji built from many code points each would still overflow the 100-unit column and token claim.
  .refine((value) => value.length <= MAX_STORED_NAME, `Use at most ${MAX_GUEST_NAME} characters`)
  .superRefine((value, ctx) => {
    const problem = displayNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A provider's display name made safe to store: refused characters dropped (the name is the user's own at Google,
 * so it is cleaned, not refused), clamped to 100 characters. Names can be long or empty; we fall back to the email's
 * local part.
 */
export function providerDisplayName(name: string | undefined, email: string | undefined): string {
  const clean = (value: string | undefined) => {
    let out = '';
    // Per grapheme, so a cut never leaves half an emoji (a dangling joiner the room would then refuse).
    for (const { segment } of segmenter.segment(stripDisplayName(value ?? ''))) {
      if (out.length + segment.length > MAX_STORED_NAME) break;
      out += segment;
    }
    return out.trim();
  };
  return clean(name) || clean(email?.split('@')[0]) || 'Google user';
}
