/*
 * Shows each reaction on the sender's tile for a few seconds (a CSS animation: no inline styles under the CSP) and
 * announces it to screen readers through a polite live region. Reactions already in the store when the view is
 * created are not replayed.
 */
import './reactions.css';
import { REACTION_NAMES } from '../../../../functions/shared/protocol/reactions';
import type { MeetingSession } from '../../meeting/session';
import { displayText, h } from '../../ui/dom';

/** How long a reaction stays on a tile; the fade in reactions.css lasts as long. */
export const REACTION_SHOW_MS = 4000;

export function createReactionsView(
  session: MeetingSession,
  tileOf: (peerId: string) => HTMLElement | undefined,
): { el: HTMLElement; dispose(): void } {
  const el = h('div', {
    class: 'sr-only',
    attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'reaction-announcer' },
  });
  let shown = session.store.get().reactions.at(-1)?.seq ?? 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const dispose = session.store.select(
    (s) => s.reactions,
    (reactions, state) => {
      for (const r of reactions.filter((x) => x.seq > shown)) {
        const who =
          r.peerId === state.selfId
            ? 'You'
            : displayText(state.roster.find((p) => p.peerId === r.peerId)?.name ?? 'Someone');
        el.textContent = `${who} reacted with ${REACTION_NAMES[r.emoji]}`;
        const tile = tileOf(r.peerId);
        if (!tile) continue;
        const burst = h(
          'span',
          { class: 'tile-reaction', attrs: { 'aria-hidden': 'true', 'data-testid': 'tile-reaction' } },
          r.emoji,
        );
        tile.append(burst);
        const timer = setTimeout(() => {
          burst.remove();
          timers.delete(timer);
        }, REACTION_SHOW_MS);
        timers.add(timer);
      }
      shown = reactions.at(-1)?.seq ?? shown;
    },
  );
  return {
    el,
    dispose() {
      dispose();
      for (const t of timers) clearTimeout(t);
    },
  };
}
