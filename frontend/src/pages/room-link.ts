/** Room links look like `/r/k3xd-9vqe-7rbn-m2ta`; people also paste the bare code. Pure: unit tests import it. */
export function roomIdFromInput(value: string): string | null {
  const match = /(?:\/r\/)?([0-9a-hjkmnp-tv-z]{4}(?:-[0-9a-hjkmnp-tv-z]{4}){3})\s*$/i.exec(value.trim());
  return match ? match[1]!.toLowerCase() : null;
}
