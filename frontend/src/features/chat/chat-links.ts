/*
 * Chat text split into plain runs and web links. Pure (no DOM), so the rules are unit-tested: only http: and https:
 * become links (never javascript:, data: or anything else), and punctuation that ends a sentence stays text.
 */
export type ChatPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// A run that starts with http:// or https:// and ends at whitespace or a character never valid unescaped in a URL.
const URL_RUN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Sentence punctuation after a link ("see https://x.example/a.") belongs to the sentence.
const TRAILING = /[.,;:!?]+$/;

/** Drops a closing bracket the link did not open: "(see https://x.example/a)" keeps ")" as text. */
function trimUnbalanced(url: string): string {
  let out = url.replace(TRAILING, '');
  for (const [open, close] of [
    ['(', ')'],
    ['[', ']'],
  ] as const) {
    while (out.endsWith(close) && out.split(open).length < out.split(close).length) {
      out = out.slice(0, -1).replace(TRAILING, '');
    }
  }
  return out;
}

function webUrl(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function splitLinks(text: string): ChatPart[] {
  const parts: ChatPart[] = [];
  let last = 0;
  const pushText = (value: string) => {
    if (!value) return;
    const prev = parts.at(-1);
    if (prev?.kind === 'text') prev.text += value;
    else parts.push({ kind: 'text', text: value });
  };
  for (const match of text.matchAll(URL_RUN)) {
    const raw = trimUnbalanced(match[0]);
    const href = webUrl(raw);
    if (!href) continue;
    pushText(text.slice(last, match.index));
    parts.push({ kind: 'link', text: raw, href });
    last = match.index + raw.length;
  }
  pushText(text.slice(last));
  return parts;
}
