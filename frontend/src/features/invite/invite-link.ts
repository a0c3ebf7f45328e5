/*
 * Copy the meeting's link from inside the meeting: the clipboard API where the page may use it, else a selected
 * text field the person copies from by hand (an http origin, a browser that refuses, a denied permission).
 */

/** The link that opens this meeting's pre-join page (the same form the pre-join page shows). */
export function inviteUrl(origin: string, roomId: string): string {
  return `${origin.replace(/\/+$/, '')}/r/${encodeURIComponent(roomId)}`;
}

export type CopyOutcome = 'copied' | 'manual';

/** Tries the clipboard; 'manual' means the caller shows the link for a hand copy. Never throws. */
export async function copyToClipboard(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined,
): Promise<CopyOutcome> {
  if (!clipboard) return 'manual';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'manual';
  }
}
