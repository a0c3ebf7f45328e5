import {
  CHANGE_EMAIL_PAGE_PATH,
  CHANGE_PASSWORD_PAGE_PATH,
  FORGOT_PAGE_PATH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  RESET_PAGE_PATH,
  SIGN_IN_PAGE_PATH,
  SIGN_UP_PAGE_PATH,
  VERIFY_PAGE_PATH,
} from '../../../functions/shared/protocol/accounts';
import { MY_ROOMS_PAGE_PATH } from '../../../functions/shared/protocol/my-rooms';
import type { AppContext } from '../app-context';
import { h } from '../ui/dom';
import { describeError, errorBox, field, page } from './common';
import { renderMyRooms } from './my-rooms';
import { profilePictureCard } from './profile-picture';

/*
 * Email account pages (issue #15): sign up, the emailed links (verify, reset), sign in, forgot and change password.
 * Every form posts through ApiClient; what the server says (refusals included) is shown as text.
 */

const input = (name: string, type: string, autocomplete: string, extra: Record<string, string | number> = {}) =>
  h('input', { attrs: { name, type, autocomplete, required: true, 'data-testid': `account-${name}`, ...extra } });

const newPassword = () =>
  input('password', 'password', 'new-password', { minlength: MIN_PASSWORD_LENGTH, maxlength: MAX_PASSWORD_LENGTH });

/** The token of an emailed link: in the fragment, which never reaches a server. */
export function linkToken(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

function notice(text: string): HTMLElement {
  return h('p', { class: 'notice', attrs: { role: 'status', 'data-testid': 'account-notice' } }, text);
}

const link = (href: string, text: string, testid: string) => h('a', { attrs: { href, 'data-testid': testid } }, text);

/** A card with one form: runs `submit`, shows its error, and replaces the form with `done`'s text on success. */
function formCard(title: string, fields: HTMLElement[], label: string, submit: () => Promise<string | void>) {
  const error = errorBox();
  const button = h('button', { class: 'primary', attrs: { type: 'submit', 'data-testid': 'account-submit' } }, label);
  const status = h('div');
  const form = h(
    'form',
    {
      class: 'card',
      on: {
        submit: (event) => {
          event.preventDefault();
          error.show(null);
          button.disabled = true;
          void submit()
            .then((done) => {
              if (done) status.replaceChildren(notice(done));
            })
            .catch((err: unknown) => error.show(describeError(err)))
            .finally(() => (button.disabled = false));
        },
      },
    },
    h('h2', null, title),
    ...fields,
    error,
    button,
    status,
  );
  return form;
}

function signUp(ctx: AppContext): HTMLElement {
  const email = input('email', 'email', 'email', { maxlength: 254 });
  const name = input('name', 'text', 'name', { maxlength: 40 });
  const password = newPassword();
  return page(
    'Sign up',
    formCard(
      'Create an account',
      [
        field('Email', email),
        field('Your name', name),
        field('Password', password, `At least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.`),
      ],
      'Sign up',
      async () => {
        await ctx.api.signUp({ email: email.value, password: password.value, name: name.value.trim() });
        password.value = '';
        return `We sent a mail to ${email.value.trim()}. Follow its link to finish signing up.`;
      },
    ),
    h('p', null, 'Have an account? ', link(SIGN_IN_PAGE_PATH, 'Sign in', 'to-sign-in')),
  );
}

function verify(ctx: AppContext): HTMLElement {
  const status = h('p', { attrs: { role: 'status', 'data-testid': 'account-notice' } }, 'Confirming your email…');
  const token = linkToken(location.hash);
  // The token has done its job once read: keep it out of the history and of anything that copies the URL.
  history.replaceState(null, '', VERIFY_PAGE_PATH);
  const next = h('p', { attrs: { hidden: true } }, link(SIGN_IN_PAGE_PATH, 'Sign in', 'to-sign-in'));
  if (!token) status.textContent = 'This link is not complete. Copy the whole link from the mail.';
  else
    void ctx.api.verifyEmail(token).then(
      () => {
        status.textContent = 'Your email is confirmed. You can sign in now.';
        next.hidden = false;
      },
      (err: unknown) => {
        status.textContent = describeError(err);
      },
    );
  return page('Confirm email', h('section', { class: 'card center' }, h('h1', null, 'Confirm email'), status, next));
}

function confirmEmailChange(ctx: AppContext): HTMLElement {
  const status = h('p', { attrs: { role: 'status', 'data-testid': 'account-notice' } }, 'Confirming your new email…');
  const token = linkToken(location.hash);
  history.replaceState(null, '', CHANGE_EMAIL_PAGE_PATH);
  if (!token) status.textContent = 'This link is not complete. Copy the whole link from the mail.';
  else
    void ctx.api.confirmEmailChange(token).then(
      () => {
        status.textContent = 'Your new email is confirmed. Sign in with it from now on.';
      },
      (err: unknown) => {
        status.textContent = describeError(err);
      },
    );
  return page(
    'Confirm new email',
    h(
      'section',
      { class: 'card center' },
      h('h1', null, 'Confirm new email'),
      status,
      h('p', null, link(SIGN_IN_PAGE_PATH, 'Sign in', 'to-sign-in')),
    ),
  );
}

function signIn(ctx: AppContext): HTMLElement {
  const email = input('email', 'email', 'email', { maxlength: 254 });
  const password = input('password', 'password', 'current-password', { maxlength: MAX_PASSWORD_LENGTH });
  return page(
    'Sign in',
    formCard('Sign in with email', [field('Email', email), field('Password', password)], 'Sign in', async () => {
      await ctx.api.signInWithPassword(email.value, password.value);
      password.value = '';
      ctx.navigate(CHANGE_PASSWORD_PAGE_PATH);
    }),
    h(
      'p',
      null,
      link(FORGOT_PAGE_PATH, 'Forgot your password?', 'to-forgot'),
      ' · ',
      link(SIGN_UP_PAGE_PATH, 'Create an account', 'to-sign-up'),
    ),
  );
}

function forgot(ctx: AppContext): HTMLElement {
  const email = input('email', 'email', 'email', { maxlength: 254 });
  return page(
    'Forgot password',
    formCard('Reset your password', [field('Email', email)], 'Send reset link', async () => {
      await ctx.api.requestPasswordReset(email.value);
      return `We sent a mail to ${email.value.trim()}. Follow its link within 30 minutes.`;
    }),
  );
}

function reset(ctx: AppContext): HTMLElement {
  const token = linkToken(location.hash);
  history.replaceState(null, '', RESET_PAGE_PATH);
  const password = newPassword();
  if (!token) {
    return page('Reset password', notice('This link is not complete. Copy the whole link from the mail.'));
  }
  return page(
    'Reset password',
    formCard('Choose a new password', [field('New password', password)], 'Set password', async () => {
      await ctx.api.resetPassword(token, password.value);
      password.value = '';
      return 'Your password is set, and every device was signed out. Sign in with the new password.';
    }),
    h('p', null, link(SIGN_IN_PAGE_PATH, 'Sign in', 'to-sign-in')),
  );
}

function changePassword(ctx: AppContext): HTMLElement {
  const who = h('p', { attrs: { 'data-testid': 'account-who' } }, 'Checking your session…');
  const current = input('current', 'password', 'current-password', { maxlength: MAX_PASSWORD_LENGTH });
  const next = newPassword();
  const form = formCard(
    'Change password',
    [field('Current password', current), field('New password', next)],
    'Change password',
    async () => {
      await ctx.api.changePassword(current.value, next.value);
      current.value = next.value = '';
      return 'Your password is changed. Other devices were signed out; this one stays signed in.';
    },
  );
  const newEmail = input('new-email', 'email', 'email', { maxlength: 254 });
  const emailPassword = input('email-password', 'password', 'current-password', { maxlength: MAX_PASSWORD_LENGTH });
  const emailForm = formCard(
    'Change email',
    [field('New email', newEmail), field('Current password', emailPassword)],
    'Send confirmation link',
    async () => {
      await ctx.api.requestEmailChange(newEmail.value, emailPassword.value);
      emailPassword.value = '';
      return `We sent a mail to ${newEmail.value.trim()}. Your address changes once you follow its link.`;
    },
  );
  emailForm.dataset.testid = 'change-email-form';
  const confirmDelete = input('delete-confirm', 'password', 'current-password', { maxlength: 254 });
  const deleteForm = formCard(
    'Delete my account',
    [
      field(
        'Type your password to confirm',
        confirmDelete,
        'Your rooms, recordings and profile are deleted for good, and every device is signed out. ' +
          'Signed in with Google only? Type your email address instead.',
      ),
    ],
    'Delete my account',
    async () => {
      await ctx.api.deleteAccount(confirmDelete.value);
      confirmDelete.value = '';
      signedIn.hidden = true;
      who.textContent = 'Your account is deleted.';
      who.dataset.state = 'deleted';
    },
  );
  deleteForm.dataset.testid = 'delete-account-form';
  const everywhereError = errorBox();
  const everywhere = h(
    'button',
    {
      attrs: { type: 'button', 'data-testid': 'sign-out-everywhere' },
      on: {
        click: () => {
          void ctx.api.signOutEverywhere().then(
            () => ctx.navigate(SIGN_IN_PAGE_PATH),
            (err: unknown) => everywhereError.show(describeError(err)),
          );
        },
      },
    },
    'Sign out everywhere',
  );
  const signedIn = h(
    'div',
    { attrs: { hidden: true } },
    h('p', null, link(MY_ROOMS_PAGE_PATH, 'My rooms and past meetings', 'to-my-rooms')),
    form,
    emailForm,
    h('p', null, everywhere),
    everywhereError,
    deleteForm,
  );
  const restored = ctx.api.signedIn ? Promise.resolve(true) : ctx.api.refresh().catch(() => false);
  void restored.then((ok) => {
    const user = ctx.api.currentUser;
    if (!ok || !user) {
      who.replaceChildren('You are signed out. ', link(SIGN_IN_PAGE_PATH, 'Sign in', 'to-sign-in'));
      who.dataset.state = 'signed-out';
      return;
    }
    who.textContent = `Signed in as ${user.name}`;
    who.dataset.state = 'signed-in';
    if (user.kind !== 'guest') signedIn.prepend(profilePictureCard(ctx, user.name, user.avatarUrl));
    signedIn.hidden = false;
  });
  return page('Your account', h('section', { class: 'card' }, h('h1', null, 'Your account'), who), signedIn);
}

/** The account pages by path; main.ts routes here. */
export const ACCOUNT_PAGES: Record<string, (ctx: AppContext) => HTMLElement> = {
  [SIGN_UP_PAGE_PATH]: signUp,
  [VERIFY_PAGE_PATH]: verify,
  [SIGN_IN_PAGE_PATH]: signIn,
  [FORGOT_PAGE_PATH]: forgot,
  [RESET_PAGE_PATH]: reset,
  [CHANGE_PASSWORD_PAGE_PATH]: changePassword,
  [CHANGE_EMAIL_PAGE_PATH]: confirmEmailChange,
  [MY_ROOMS_PAGE_PATH]: renderMyRooms,
};
