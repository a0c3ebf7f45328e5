import type { AppContext } from '../app-context';
import type { EndReason } from '../meeting/session';
import { h } from '../ui/dom';
import { page } from './common';

const TITLES: Record<EndReason, string> = {
  left: 'You left the meeting',
  removed: 'You were removed from the meeting',
  ended: 'The meeting has ended',
  denied: 'You were not let in',
  full: 'This meeting is full',
  locked: 'This meeting is locked',
  replaced: 'You joined from somewhere else',
  'connection-lost': 'Connection lost',
  error: 'Something went wrong',
};

/** Only these may try again: a removed or denied person cannot rejoin, an ended room cannot be joined. */
const CAN_REJOIN: ReadonlySet<EndReason> = new Set(['left', 'connection-lost', 'error', 'full', 'locked', 'replaced']);

export function renderEnded(ctx: AppContext, reason: EndReason, detail: string, roomId: string): HTMLElement {
  return page(
    TITLES[reason],
    h(
      'section',
      { class: 'card center', attrs: { 'data-testid': 'ended', 'data-reason': reason, role: 'alert' } },
      h('h1', null, TITLES[reason]),
      h('p', { attrs: { 'data-testid': 'ended-detail' } }, detail),
      h(
        'div',
        { class: 'row' },
        CAN_REJOIN.has(reason)
          ? h(
              'button',
              {
                class: 'primary',
                attrs: { type: 'button', 'data-testid': 'rejoin' },
                on: { click: () => ctx.navigate(`/r/${roomId}`) },
              },
              'Rejoin',
            )
          : null,
        h('button', { attrs: { type: 'button' }, on: { click: () => ctx.navigate('/') } }, 'Home'),
      ),
    ),
  );
}
