/* The reaction buttons in the controls: one per emoji of the fixed set (REACTION_EMOJI), each sent as it is. */
import './reactions.css';
import { REACTION_EMOJI, REACTION_NAMES } from '../../../../functions/shared/protocol/reactions';
import type { MeetingSession } from '../../meeting/session';
import { h } from '../../ui/dom';

export function createReactionButtons(session: MeetingSession): HTMLElement {
  return h(
    'span',
    { class: 'reaction-buttons', attrs: { role: 'group', 'aria-label': 'Reactions' } },
    ...REACTION_EMOJI.map((emoji) =>
      h(
        'button',
        {
          class: 'reaction-button',
          attrs: {
            type: 'button',
            'data-testid': 'reaction-button',
            'data-emoji': emoji,
            'aria-label': `React with ${REACTION_NAMES[emoji]}`,
            title: `React with ${REACTION_NAMES[emoji]}`,
          },
          on: { click: () => session.sendReaction(emoji) },
        },
        emoji,
      ),
    ),
  );
}
