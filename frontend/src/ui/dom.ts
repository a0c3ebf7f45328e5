/*
 * The only way the app builds DOM. Text children always become Text nodes (textContent semantics), attributes go
 * through setAttribute with an allowlist that refuses event handlers and javascript: URLs, so a display name or a
 * chat line can never become markup or script however it is written.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Safe attributes (id, type, aria-*, data-*, href, …). `on*` attributes are refused. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster']);

/** True for URLs that are safe in href/src: same-origin paths, http(s), blob and mailto. */
export function isSafeUrl(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.startsWith('/') && !trimmed.startsWith('//')) return true;
  return /^(https?:|blob:|mailto:)/i.test(trimmed);
}

export function setAttr(el: Element, name: string, value: string | number | boolean | undefined): void {
  const lower = name.toLowerCase();
  if (lower.startsWith('on') || lower === 'style' || lower === 'srcdoc') {
    throw new Error(`refusing to set the "${name}" attribute (strict CSP and XSS safety)`);
  }
  if (value === undefined || value === false) {
    el.removeAttribute(name);
    return;
  }
  const text = value === true ? '' : String(value);
  if (URL_ATTRIBUTES.has(lower) && !isSafeUrl(text)) throw new Error(`refusing unsafe URL in "${name}"`);
  el.setAttribute(name, text);
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) setAttr(el, name, value);
  for (const [event, handler] of Object.entries(props?.on ?? {})) {
    el.addEventListener(event, handler as EventListener);
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? text(String(child)) : child);
  }
}

/** A Text node: the browser never parses its content as HTML. */
export function text(value: string): Text {
  return document.createTextNode(value);
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replaceChildren(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, ...children);
}

/**
 * replaceChildren for a region that redraws while someone uses it from the keyboard: if focus was on a control with
 * a `data-testid` inside `el`, the redrawn control with the same id gets it back, so a select changed with the arrow
 * keys (which redraws the region on every change) keeps the focus instead of dropping it to the page.
 */
export function redrawKeepingFocus(el: Element, ...children: Child[]): void {
  const active = el.ownerDocument.activeElement;
  const id = active && el.contains(active) ? active.getAttribute('data-testid') : null;
  replaceChildren(el, ...children);
  if (!id) return;
  const again = [...el.querySelectorAll<HTMLElement>('[data-testid]')].find((x) => x.dataset.testid === id);
  again?.focus();
}

/** Removes control and bidi-override characters that could spoof how a name reads, and bounds its length. */
export function displayText(value: string, maxLength = 64): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}

/** Initials for an avatar placeholder (first letters of the first two words). */
export function initials(name: string): string {
  const words = displayText(name).split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}
