import type { MeetingSession } from '../../meeting/session';
import { displayText, h } from '../../ui/dom';
import { playChime } from '../../ui/sound';

export interface Toasts {
  el: HTMLElement;
  /** A short message; with action buttons it stays longer so there is time to use them. */
  show(text: string, actions?: HTMLElement[]): void;
  dispose(): void;
}

/** Transient notices: server notices, a knock at the lobby (hosts), a host's request to unmute. */
export function createToasts(session: MeetingSession): Toasts {
  const el = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite' } });
  const show = (text: string, actions: HTMLElement[] = []) => {
    const t = h('div', { class: 'toast', attrs: { 'data-testid': 'toast' } }, h('span', null, text), ...actions);
    el.append(t);
    setTimeout(() => t.remove(), actions.length ? 15_000 : 5000);
  };
  const action = (label: string, testid: string, run: () => void) =>
    h(
      'button',
      { class: 'small primary', attrs: { type: 'button', 'data-testid': testid }, on: { click: run } },
      label,
    );
  const offs = [
    session.on('notice', (text) => show(text)),
    session.on('knock', (entry) => {
      if (!session.isHostish) return;
      playChime();
      show(`${displayText(entry.name)} is waiting in the lobby`, [
        action('Admit', 'toast-admit', () => session.admit(entry.peerId)),
      ]);
    }),
    session.on('unmuteRequest', (by) =>
      show(`${displayText(by)} asks you to unmute`, [action('Unmute', 'accept-unmute', () => session.setMic(true))]),
    ),
  ];
  return { el, show, dispose: () => offs.forEach((off) => off()) };
}
