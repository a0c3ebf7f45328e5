import { LIMITS } from '../shared/protocol/room';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The name shown in the room, from the access token's name (which allows 100 characters). Cut to the room's
 * 40-unit limit on a code point boundary, so an emoji is never split into half a surrogate pair. Markup is left
 * as is: names are data and the browser renders them as text.
 */
export function roomDisplayName(name: string): string {
  let out = '';
  for (const ch of name.replace(CONTROL, ' ').trim()) {
    if (out.length + ch.length > LIMITS.displayName) break;
    out += ch;
  }
  out = out.trim();
  return out.length > 0 ? out : 'Guest';
}
