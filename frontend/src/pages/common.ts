import { ApiError } from '../api/client';
import { h } from '../ui/dom';

export function page(title: string, ...children: (Node | null)[]): HTMLElement {
  document.title = title ? `${title} · Connect Now` : 'Connect Now';
  return h(
    'main',
    { class: 'page' },
    h('header', { class: 'brand' }, h('span', { class: 'logo' }, 'Connect Now')),
    ...children,
  );
}

export function errorBox(): HTMLElement & { show(message: string | null): void } {
  const box = h('p', { class: 'error', attrs: { role: 'alert', 'data-testid': 'error', hidden: true } });
  return Object.assign(box, {
    show(message: string | null) {
      box.textContent = message ?? '';
      box.hidden = !message;
    },
  });
}

/** A message a person can act on, for any failure (API errors carry the server's words). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('small', null, hint) : null,
  );
}

export async function ensureSignedIn(
  api: {
    signedIn: boolean;
    refresh(): Promise<boolean>;
    signInAsGuest(name: string): Promise<unknown>;
    currentUser: { name: string } | null;
  },
  name: string,
): Promise<void> {
  // An account (Google or email) keeps its session whatever name is typed: signing in as a guest would throw it away.
  const user = api.currentUser as { name: string; kind?: string } | null;
  const accountHolder = user?.kind !== undefined && user.kind !== 'guest';
  if (api.signedIn && (accountHolder || user?.name === name)) return;
  await api.signInAsGuest(name);
}
