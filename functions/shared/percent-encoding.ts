/*
 * Percent-decoding that cannot throw. `decodeURIComponent` throws URIError on a malformed escape (`%zz`, a cut-off
 * `%A`, or bytes that are not UTF-8 such as `%E0%A4%A`); anywhere a client controls the input that must become a
 * 400, never a 500.
 */

/** The decoded value, or undefined when `value` holds a malformed percent-escape. */
export function decodeComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** True when `value` (a path or a query string) holds a percent-escape that does not decode. */
export function hasMalformedEscape(value: string): boolean {
  // '+' means a space in a query string and nothing in a path: neither affects whether the escapes decode.
  return value.includes('%') && decodeComponent(value) === undefined;
}
