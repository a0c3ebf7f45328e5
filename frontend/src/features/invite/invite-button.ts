/*
 * "Copy invite link" inside the meeting. Where the clipboard refuses, the link shows in a selected read-only field
 * so it can be copied by hand; either way the person is told what happened.
 */
import './invite.css';
import { h } from '../../ui/dom';
import { copyToClipboard, inviteUrl } from './invite-link';

export function createInviteButton(roomId: string, toast: (text: string) => void): HTMLElement {
  const link = inviteUrl(location.origin, roomId);
  const field = h('input', {
    class: 'invite-field',
    attrs: { readonly: true, hidden: true, 'aria-label': 'Invite link', 'data-testid': 'invite-link-field' },
  });
  field.value = link;
  const button = h(
    'button',
    {
      class: 'small',
      attrs: { type: 'button', 'data-testid': 'copy-invite' },
      on: {
        click: () =>
          void copyToClipboard(link, navigator.clipboard).then((outcome) => {
            if (outcome === 'copied') {
              field.hidden = true;
              toast('Link copied');
              return;
            }
            field.hidden = false;
            field.focus();
            field.select();
            toast('Copy the link from the field (Ctrl+C or ⌘C)');
          }),
      },
    },
    'Copy invite link',
  );
  return h('span', { class: 'invite' }, button, field);
}
