import type { AppContext } from '../app-context';
import { h } from '../ui/dom';
import { describeError, ensureSignedIn, errorBox, field, page } from './common';

/** Room links look like `/r/k3xd-9vqe-7rbn-m2ta`; people also paste the bare code. */
export function roomIdFromInput(value: string): string | null {
  const match = /(?:\/r\/)?([0-9a-hjkmnp-tv-z]{4}(?:-[0-9a-hjkmnp-tv-z]{4}){3})\s*$/i.exec(value.trim());
  return match ? match[1]!.toLowerCase() : null;
}

export function renderHome(ctx: AppContext): HTMLElement {
  const name = h('input', {
    attrs: { name: 'name', required: true, maxlength: 40, autocomplete: 'name', 'data-testid': 'home-name' },
  });
  name.value = ctx.displayName;
  const meetingName = h('input', { attrs: { name: 'meeting', maxlength: 80, placeholder: 'Weekly sync' } });
  const password = h('input', {
    attrs: {
      name: 'password',
      type: 'password',
      maxlength: 128,
      autocomplete: 'new-password',
      'data-testid': 'home-password',
    },
  });
  const lobby = h('input', { attrs: { type: 'checkbox', name: 'lobby', 'data-testid': 'home-lobby' } });
  const createError = errorBox();
  const createButton = h(
    'button',
    { class: 'primary', attrs: { type: 'submit', 'data-testid': 'create-room' } },
    'Create meeting',
  );

  const create = h(
    'form',
    {
      class: 'card',
      on: {
        submit: (event) => {
          event.preventDefault();
          createError.show(null);
          createButton.disabled = true;
          const displayName = name.value.trim();
          void (async () => {
            try {
              ctx.displayName = displayName;
              await ensureSignedIn(ctx.api, displayName);
              const room = await ctx.api.createRoom({
                ...(meetingName.value.trim() ? { name: meetingName.value.trim() } : {}),
                ...(password.value ? { password: password.value } : {}),
                lobby: lobby.checked,
              });
              ctx.navigate(`/r/${room.roomId}`);
            } catch (err) {
              createError.show(describeError(err));
            } finally {
              createButton.disabled = false;
            }
          })();
        },
      },
    },
    h('h2', null, 'Start a meeting'),
    field('Your name', name),
    field('Meeting name (optional)', meetingName),
    field('Password (optional)', password, 'Guests will need it to join.'),
    h('label', { class: 'check' }, lobby, ' Let people in from a lobby'),
    createError,
    createButton,
  );

  const link = h('input', {
    attrs: { name: 'link', placeholder: 'https://…/r/abcd-efgh-jkmn-pqrs', 'data-testid': 'join-link' },
  });
  const joinError = errorBox();
  const join = h(
    'form',
    {
      class: 'card',
      on: {
        submit: (event) => {
          event.preventDefault();
          const id = roomIdFromInput(link.value);
          if (!id) {
            joinError.show('That does not look like a meeting link or code.');
            return;
          }
          ctx.navigate(`/r/${id}`);
        },
      },
    },
    h('h2', null, 'Join with a link'),
    field('Meeting link or code', link),
    joinError,
    h('button', { attrs: { type: 'submit' } }, 'Join'),
  );

  return page(
    '',
    h(
      'section',
      { class: 'hero' },
      h('h1', null, 'Video meetings in your browser'),
      h('p', null, 'No install. Share a link, talk face to face.'),
    ),
    h('div', { class: 'cards' }, create, join),
  );
}
