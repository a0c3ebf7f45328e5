import '../styles/pages/home.css';
import {
  CHANGE_PASSWORD_PAGE_PATH,
  SIGN_IN_PAGE_PATH,
  SIGN_UP_PAGE_PATH,
} from '../../../functions/shared/protocol/accounts';
import type { AppContext } from '../app-context';
import { createSignOutButton, refreshSignOut } from '../features/account/sign-out-button';
import { h } from '../ui/dom';
import { describeError, ensureSignedIn, errorBox, field, page } from './common';
import { roomIdFromInput } from './room-link';

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
      renderAccount(ctx, name),
    ),
    h('div', { class: 'cards' }, create, join),
  );
}

/** Messages for the `signin_error` codes the Google callback redirects back with (functions/auth/routes.ts). */
const SIGNIN_ERRORS: Record<string, string> = {
  'google-cancelled': 'Google sign-in was cancelled.',
  'google-no-code': 'Google sign-in did not complete.',
  'rate-limited': 'Too many sign-in attempts: wait a minute and try again.',
};

/**
 * Who you are and where your recordings are: a Google sign-in link when the deployment configures a Google client
 * (the server runs the PKCE flow and comes back with the refresh cookie), email sign-in and sign-up links, and a
 * session restored from that cookie.
 */
function renderAccount(ctx: AppContext, nameInput: HTMLInputElement): HTMLElement {
  const status = h('span', { attrs: { 'data-testid': 'account-status' } });
  const google = ctx.config.googleClientId
    ? h(
        'a',
        {
          class: 'button',
          attrs: { href: '/api/auth/google/start?returnTo=%2F', 'data-testid': 'google-signin' },
        },
        'Sign in with Google',
      )
    : null;
  const emailLinks = h(
    'span',
    null,
    h('a', { attrs: { href: SIGN_IN_PAGE_PATH, 'data-testid': 'email-signin' } }, 'Sign in with email'),
    ' · ',
    h('a', { attrs: { href: SIGN_UP_PAGE_PATH, 'data-testid': 'email-signup' } }, 'Create an account'),
  );
  const account = h(
    'a',
    { attrs: { href: CHANGE_PASSWORD_PAGE_PATH, hidden: true, 'data-testid': 'account-link' } },
    'Your account',
  );
  const error = errorBox();
  const code = new URLSearchParams(location.search).get('signin_error');
  if (code) error.show(SIGNIN_ERRORS[code] ?? 'Google sign-in did not complete. Try again, or join as a guest.');
  const signOut = createSignOutButton({
    api: ctx.api,
    afterSignOut: () => ctx.navigate('/'),
    onError: (text) => error.show(text),
  });
  const restored = ctx.api.signedIn ? Promise.resolve(true) : ctx.api.refresh().catch(() => false);
  void restored.then((signedIn) => {
    const user = ctx.api.currentUser as { name: string; kind?: string } | null;
    if (!signedIn || !user) return;
    status.textContent = `Signed in as ${user.name}`;
    refreshSignOut(signOut, ctx.api);
    if (user.kind !== 'guest') {
      if (google) google.hidden = true;
      emailLinks.hidden = true;
      account.hidden = false;
    }
    if (!nameInput.value) nameInput.value = user.name;
  });
  return h(
    'p',
    { class: 'account' },
    status,
    ' ',
    signOut,
    ' ',
    google,
    ' ',
    emailLinks,
    account,
    ' ',
    h('a', { attrs: { href: '/recordings', 'data-testid': 'recordings-link' } }, 'My recordings'),
    error,
  );
}
