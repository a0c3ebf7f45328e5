/*
 * The two dead ends a meeting link can lead to, each with a way forward: a well-formed link to a meeting the server
 * does not know, and a link that is not a meeting link at all (cut short when pasted, or mistyped).
 */
import type { AppContext } from '../app-context';
import { h } from '../ui/dom';
import { page } from './common';
import { roomIdFromInput } from './room-link';

function homeButton(ctx: AppContext, primary: boolean): HTMLElement {
  return h(
    'button',
    { class: primary ? 'primary' : undefined, attrs: { type: 'button' }, on: { click: () => ctx.navigate('/') } },
    'Go to the home page',
  );
}

/** Shown before any camera or microphone is asked for: there is nothing to join. */
export function renderNoSuchMeeting(ctx: AppContext, roomId: string): HTMLElement {
  return page(
    'No such meeting',
    h(
      'section',
      { class: 'card center', attrs: { 'data-testid': 'no-such-meeting', role: 'alert' } },
      h('h1', null, 'No such meeting'),
      h('p', null, `There is no meeting with the code ${roomId}. Check the link with whoever sent it to you.`),
      h('div', { class: 'row' }, homeButton(ctx, true)),
    ),
  );
}

/** A path under /r/ that is not a meeting code: say what a code looks like, and fix the case when that is all. */
export function renderBadMeetingLink(ctx: AppContext, code: string): HTMLElement {
  const fixed = roomIdFromInput(code);
  return page(
    'Meeting link not recognised',
    h(
      'section',
      { class: 'card center', attrs: { 'data-testid': 'bad-meeting-link', role: 'alert' } },
      h('h1', null, 'This meeting link is not complete'),
      h(
        'p',
        null,
        'Meeting links end in a code of four groups of four letters and digits, like ',
        h('code', null, 'k3xd-9vqe-7rbn-m2ta'),
        '. The link you opened may have been cut short when it was copied.',
      ),
      h(
        'div',
        { class: 'row' },
        fixed
          ? h(
              'button',
              {
                class: 'primary',
                attrs: { type: 'button', 'data-testid': 'open-fixed-link' },
                on: { click: () => ctx.navigate(`/r/${fixed}`) },
              },
              `Open meeting ${fixed}`,
            )
          : null,
        homeButton(ctx, !fixed),
      ),
    ),
  );
}
