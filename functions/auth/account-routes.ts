import { createHash } from 'node:crypto';
import type { Route, RouteRequest } from '../api/router';
import { BadRequest, Conflict, Forbidden, Unauthorized } from '../shared/errors';
import { bearerToken, json, readJson, type HttpEvent } from '../shared/http';
import { logger } from '../shared/logger';
import {
  changeEmailConfirmSchema,
  changeEmailRequestSchema,
  changePasswordRequestSchema,
  deleteAccountRequestSchema,
  passwordResetConfirmSchema,
  passwordResetRequestSchema,
  passwordSignInRequestSchema,
  signUpRequestSchema,
  verifyEmailRequestSchema,
} from '../shared/protocol/accounts';
import { requireEnv } from '../shared/env';
import { limits, rateLimit, type Limit } from '../shared/rate-limit';
import { getSql, type Sql } from '../shared/sql/sql';
import {
  alreadyRegisteredMail,
  emailChangeMail,
  emailChangedNotice,
  emailTakenMail,
  noAccountMail,
  resetMail,
  verifyMail,
} from './account-mails';
import { recordings as recordingsService } from '../recordings/routes';
import { defaultAvatarObjects } from '../avatars/avatar-objects';
import { deleteAccount, type OwnedRecordings, type UserObjectDeleter } from './account-deletion';
import { clientAddressBucket, loadEdgeSecret } from './client-ip';
import { AccountStore } from './email-accounts';
import { sesMailer, type Mailer } from './mailer';
import { guestNameSchema } from './names';
import { createPasswordHasher, passwordProblem, type PasswordHasher } from './passwords';
import { clearRefreshCookie, requireOurOrigin, sessionResponse } from './session-http';
import { SessionStore } from './sessions';
import { issueAccessToken, verifyAccessToken, type TokenService } from './tickets';
import { UserStore } from './users';

/** What the email-account routes touch from outside; tests swap the mailer, the hasher's cost and the limiter. */
export interface AccountDeps {
  sql(): Sql;
  tokens: Pick<TokenService, 'issueAccessToken' | 'verifyAccessToken'>;
  publicUrl(): string;
  rateLimit(key: string, limit: Limit): Promise<void>;
  edgeSecret?(): Promise<string | undefined>;
  mailer: Mailer;
  passwords: PasswordHasher;
  /** The account's recordings, for deleting the account. */
  recordings(): OwnedRecordings;
  /** Deleters of the account's other stored objects (its avatar). */
  userObjectDeleters?(): UserObjectDeleter[];
}

/** The one answer to sign-up and reset requests, for addresses with and without an account alike. */
const MAIL_SENT = { status: 'mail-sent' } as const;
const SIGN_IN_FAILED =
  'That email and password do not match an account. If you just signed up, follow the link we emailed you first.';
const LINK_INVALID = 'This link has expired or was already used: ask for a new one.';

// Rate-limit keys name an address by a digest: keys can surface in Redis tooling and logs, addresses must not.
const addressKey = (email: string) => createHash('sha256').update(email).digest('base64url').slice(0, 22);

/**
 * Email accounts (issue #15): sign up with a verified address, sign in with a password, reset and change it, sign
 * out everywhere. Whether an address has an account never shows in an answer: sign-up and reset both answer
 * "mail sent" after the same work (one scrypt, one link transaction, one mail), and sign-in checks the password of
 * an unknown address against a dummy hash.
 */
export function createAccountRoutes(deps: AccountDeps): Route[] {
  const accounts = () => new AccountStore(deps.sql());
  const sessions = () => new SessionStore(deps.sql());
  const users = () => new UserStore(deps.sql());
  const addressOf = async (event: HttpEvent) => clientAddressBucket(event, await deps.edgeSecret?.());

  async function limitMail(event: HttpEvent, email: string) {
    await deps.rateLimit(`mail:ip:${await addressOf(event)}`, limits.accountMailAddress);
    await deps.rateLimit(`mail:email:${addressKey(email)}`, limits.accountMail);
  }

  async function requireStrong(password: string, words: string[]) {
    const problem = await passwordProblem(password, words);
    if (problem) throw new BadRequest(problem, [{ path: 'password', message: problem }], 'weak-password');
  }

  async function signUp({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    const request = readJson(event, signUpRequestSchema);
    const name = guestNameSchema.safeParse(request.name);
    if (!name.success) throw new BadRequest(name.error.issues[0]!.message, undefined, 'bad-name');
    // Judged before anything touches the database: the verdict cannot depend on whether the address is known.
    await requireStrong(request.password, [request.email, name.data]);
    await limitMail(event, request.email);
    // Hashed in both cases: the new account needs it, and an existing one must cost the same time.
    const passwordHash = await deps.passwords.hash(request.password);
    const store = accounts();
    const existing = await store.findByEmail(request.email);
    if (existing) {
      // Never a second account, and never the stranger's password on the owner's account: the owner gets a
      // reset link instead, which is also how a Google-only account gains a password.
      const token = await store.createResetLink(existing.id, request.email);
      await deps.mailer.send(alreadyRegisteredMail(deps.publicUrl(), request.email, token));
    } else {
      const token = await store.createSignUpLink({
        email: request.email,
        name: name.data,
        password_hash: passwordHash,
      });
      await deps.mailer.send(verifyMail(deps.publicUrl(), request.email, token));
    }
    return json(202, MAIL_SENT);
  }

  async function verify({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
    const { token } = readJson(event, verifyEmailRequestSchema);
    const store = accounts();
    const pending = await store.consumeSignUpLink(token);
    if (!pending) throw new BadRequest(LINK_INVALID, undefined, 'link-invalid');
    const user = await store.createEmailUser(pending);
    if (!user) {
      // Only the mailbox owner holds the link, so saying so tells nobody else anything.
      throw new Conflict('This address already has an account: sign in, or reset your password.', 'account-exists');
    }
    logger.info('email account verified', { userId: user.id });
    return json(200, { status: 'verified' });
  }

  async function signIn({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    const { email, password } = readJson(event, passwordSignInRequestSchema);
    await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
    await deps.rateLimit(`signin:email:${addressKey(email)}`, limits.passwordSignIn);
    const account = await accounts().findByEmail(email);
    // An unknown address, a pending sign-up and a Google-only account all verify against the dummy hash.
    const ok = await deps.passwords.verify(password, account?.password_hash);
    if (!account || !ok) throw new Unauthorized(SIGN_IN_FAILED, 'sign-in-failed');
    logger.info('email user signed in', { userId: account.id });
    return sessionResponse(deps.tokens, 200, account, await sessions().start(account.id));
  }

  async function requestReset({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    const { email } = readJson(event, passwordResetRequestSchema);
    await limitMail(event, email);
    const store = accounts();
    const account = await store.findByEmail(email);
    if (account) {
      const token = await store.createResetLink(account.id, email);
      await deps.mailer.send(resetMail(deps.publicUrl(), email, token));
    } else {
      await store.matchLinkWork(email);
      await deps.mailer.send(noAccountMail(deps.publicUrl(), email));
    }
    return json(202, MAIL_SENT);
  }

  async function confirmReset({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
    const { token, password } = readJson(event, passwordResetConfirmSchema);
    // Strength is checked before the link is used up, so a refused password leaves the link working.
    await requireStrong(password, []);
    const passwordHash = await deps.passwords.hash(password);
    const store = accounts();
    const userId = await store.consumeResetLink(token);
    if (!userId) throw new BadRequest(LINK_INVALID, undefined, 'link-invalid');
    await store.setPassword(userId, passwordHash);
    logger.info('password reset; every session ended', { userId });
    return json(200, { status: 'password-set' }, { cookies: [clearRefreshCookie()] });
  }

  async function changePassword({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    const { currentPassword, newPassword } = readJson(event, changePasswordRequestSchema);
    await deps.rateLimit(`password:user:${claims.sub}`, limits.passwordSignIn);
    const store = accounts();
    const user = await users().findById(claims.sub);
    if (!user) throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    if (!(await deps.passwords.verify(currentPassword, await store.passwordHashOf(user.id)))) {
      throw new Unauthorized('The current password is not right', 'wrong-password');
    }
    await requireStrong(newPassword, [user.name, user.email ?? '']);
    await store.setPassword(user.id, await deps.passwords.hash(newPassword));
    logger.info('password changed; other sessions ended', { userId: user.id });
    // This browser stays signed in on a fresh session of the new generation; every other one is signed out.
    return sessionResponse(deps.tokens, 200, user, await sessions().start(user.id));
  }

  /** The signed-in account with a password, proven by that password (for changes that take over the account). */
  async function provenAccount(event: HttpEvent, password: string) {
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    await deps.rateLimit(`password:user:${claims.sub}`, limits.passwordSignIn);
    const user = await users().findById(claims.sub);
    if (!user) throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    if (user.kind === 'guest') throw new Forbidden('Guests have no account to change', 'guest');
    const hash = await accounts().passwordHashOf(user.id);
    if (!hash) {
      throw new BadRequest(
        'Set a password first: use "Forgot your password?" with your address',
        undefined,
        'no-password',
      );
    }
    if (!(await deps.passwords.verify(password, hash))) {
      throw new Unauthorized('The current password is not right', 'wrong-password');
    }
    return user;
  }

  async function requestEmailChange({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    const { newEmail, password } = readJson(event, changeEmailRequestSchema);
    const user = await provenAccount(event, password);
    await limitMail(event, newEmail);
    const store = accounts();
    const owner = await store.findByEmail(newEmail);
    if (owner?.id === user.id) throw new BadRequest('That is already your address', undefined, 'same-email');
    if (owner) {
      // Same answer and same work as a free address: who owns which address is never told to the requester.
      await store.matchEmailChangeWork(user.id);
      await deps.mailer.send(emailTakenMail(deps.publicUrl(), newEmail));
    } else {
      const token = await store.createEmailChangeLink(user.id, newEmail);
      await deps.mailer.send(emailChangeMail(deps.publicUrl(), newEmail, token));
    }
    logger.info('email change requested', { userId: user.id });
    return json(202, MAIL_SENT);
  }

  async function confirmEmailChange({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
    const { token } = readJson(event, changeEmailConfirmSchema);
    const change = await accounts().consumeEmailChangeLink(token);
    if (!change) throw new BadRequest(LINK_INVALID, undefined, 'link-invalid');
    if (change.status === 'taken') {
      // Another account verified this address after the link was sent; which one is not said.
      throw new Conflict(
        'This address cannot be used for your account: it already has an account.',
        'email-unavailable',
      );
    }
    if (change.oldEmail && change.oldEmail !== change.newEmail) {
      await deps.mailer.send(emailChangedNotice(change.oldEmail, change.newEmail));
    }
    logger.info('email changed', { userId: change.userId });
    return json(200, { status: 'email-changed' });
  }

  async function deleteMyAccount({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    const { confirm } = readJson(event, deleteAccountRequestSchema);
    await deps.rateLimit(`password:user:${claims.sub}`, limits.passwordSignIn);
    const user = await users().findById(claims.sub);
    if (!user) throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    if (user.kind === 'guest') throw new Forbidden('Guests have no account to delete', 'guest');
    const hash = await accounts().passwordHashOf(user.id);
    // With a password, only the password proves it is the owner at the keyboard; a Google-only account types its
    // address, which at least makes the deletion deliberate.
    const confirmed = hash
      ? await deps.passwords.verify(confirm, hash)
      : !!user.email && confirm.toLowerCase() === user.email.trim().toLowerCase();
    if (!confirmed) {
      throw new Unauthorized(
        hash ? 'The password is not right: the account was not deleted' : 'Type your email address exactly',
        'not-confirmed',
      );
    }
    await deleteAccount(deps.sql(), user.id, deps.recordings(), deps.userObjectDeleters?.() ?? []);
    logger.info('account deleted', { userId: user.id });
    return json(204, null, { cookies: [clearRefreshCookie()] });
  }

  async function signOutEverywhere({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    await accounts().endAllSessions(claims.sub);
    logger.info('signed out everywhere', { userId: claims.sub });
    return json(204, null, { cookies: [clearRefreshCookie()] });
  }

  return [
    { method: 'POST', path: '/api/accounts', handle: signUp },
    { method: 'POST', path: '/api/accounts/verify', handle: verify },
    { method: 'POST', path: '/api/accounts/password-reset', handle: requestReset },
    { method: 'POST', path: '/api/accounts/password-reset/confirm', handle: confirmReset },
    { method: 'POST', path: '/api/accounts/password', handle: changePassword },
    { method: 'POST', path: '/api/accounts/email', handle: requestEmailChange },
    { method: 'POST', path: '/api/accounts/email/confirm', handle: confirmEmailChange },
    { method: 'POST', path: '/api/sessions/password', handle: signIn },
    { method: 'DELETE', path: '/api/sessions/all', handle: signOutEverywhere },
    { method: 'DELETE', path: '/api/accounts/me', handle: deleteMyAccount },
  ];
}

export const defaultAccountDeps: AccountDeps = {
  sql: getSql,
  tokens: { issueAccessToken, verifyAccessToken },
  publicUrl: () => requireEnv('PUBLIC_URL'),
  rateLimit,
  edgeSecret: loadEdgeSecret,
  mailer: sesMailer,
  passwords: createPasswordHasher(),
  recordings: recordingsService,
  // The avatars bucket holds the account's profile pictures (functions/avatars/).
  userObjectDeleters: () => [(userId) => defaultAvatarObjects().removeAllOf(userId)],
};

/** The email-account routes for the HTTP API router (functions/api/routes.ts). */
export const accountRoutes: Route[] = createAccountRoutes(defaultAccountDeps);
