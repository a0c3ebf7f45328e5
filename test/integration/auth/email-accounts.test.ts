import { randomBytes } from 'node:crypto';
import { createRouter } from '../../../functions/api/router';
import { createAccountRoutes } from '../../../functions/auth/account-routes';
import { importAuthKeySecret, generateAuthKeySecret } from '../../../functions/auth/keys';
import type { Mail } from '../../../functions/auth/mailer';
import { createPasswordHasher } from '../../../functions/auth/passwords';
import { createAuthRoutes, REFRESH_COOKIE } from '../../../functions/auth/routes';
import { createTokenService } from '../../../functions/auth/tickets';
import { UserStore } from '../../../functions/auth/users';
import type { HttpResult } from '../../../functions/shared/http';
import { logger } from '../../../functions/shared/logger';
import { rateLimit, type Limit } from '../../../functions/shared/rate-limit';
import { asCookies, bodyOf, cookieJar, httpEvent, randomIp, setCookie, type CallOptions } from './http-events';
import { availableBackends, startIdentityDb, type IdentityDb } from './identity-db';

const PAGE = 'https://meet.example.com';
const STRONG = 'correct horse battery staple';
const STRONGER = 'violet tangerine lighthouse orbit';
type ErrorBody = { error: { code: string; message: string } };

// One backend is enough for the route logic (sessions.test.ts runs the SQL on both); the newest one wins.
const backend = availableBackends().at(-1)!;

describe(`email accounts (${backend}) through the Data API`, () => {
  let db: IdentityDb;
  let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  const outbox: Mail[] = [];
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  // Per-account limits small enough to reach in a test; the rest as deployed.
  const limitOverrides: Record<string, Limit> = {
    'signin:email:': { max: 3, windowSeconds: 3600 },
    'mail:ip:': { max: 4, windowSeconds: 3600 },
  };
  const env = { ...process.env };
  const logged: string[] = [];

  beforeAll(async () => {
    process.env.PUBLIC_URL = PAGE;
    process.env.ALLOWED_ORIGINS = PAGE;
    db = await startIdentityDb(backend);
    const keys = await importAuthKeySecret(await generateAuthKeySecret());
    const tokens = createTokenService({ keys: async () => keys, issuer: () => PAGE });
    const limited = (key: string, limit: Limit) => {
      const override = Object.entries(limitOverrides).find(([start]) => key.startsWith(start))?.[1];
      return rateLimit(`${prefix}:${key}`, override ?? limit);
    };
    route = createRouter([
      ...createAuthRoutes({
        sql: () => db.sql,
        tokens,
        keys: async () => keys,
        publicUrl: () => PAGE,
        google: () => undefined,
        rateLimit: limited,
      }),
      ...createAccountRoutes({
        sql: () => db.sql,
        tokens,
        publicUrl: () => PAGE,
        rateLimit: limited,
        mailer: { send: async (mail) => void outbox.push(mail) },
        // Cheaper than OWASP's cost so the suite stays quick; test/unit/auth/passwords.test.ts checks the real one.
        passwords: createPasswordHasher({ log2N: 10, r: 8, p: 1 }),
        recordings: () => ({ list: async () => [], remove: async () => undefined }),
      }),
    ]);
    for (const level of ['info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => void logged.push(JSON.stringify(args)));
    }
  }, 60_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await db?.stop();
    process.env = env;
  });

  const call = (method: string, path: string, options: CallOptions = {}) =>
    route(httpEvent(method, path, { ...options, headers: { Origin: PAGE, ...options.headers } }));
  const newEmail = () => `p${randomBytes(5).toString('hex')}@example.com`;
  const lastMailTo = (to: string) => [...outbox].reverse().find((m) => m.to === to);
  const linkToken = (mail: Mail | undefined) => /#token=([\w-]{43})/.exec(mail?.text ?? '')?.[1];
  const signUp = (email: string, password = STRONG, ip = randomIp()) =>
    call('POST', '/api/accounts', { body: { email, password, name: 'Ada Lovelace' }, ip });
  const signIn = (email: string, password: string, ip = randomIp()) =>
    call('POST', '/api/sessions/password', { body: { email, password }, ip });
  const refresh = (jar: Map<string, string>) => call('POST', '/api/sessions/refresh', { cookies: asCookies(jar) });
  /** What an observer sees of an answer: status, body and headers (a 202 has no cookie either way). */
  const visible = (r: HttpResult) => ({ status: r.statusCode, body: r.body, headers: r.headers, cookies: r.cookies });

  async function verifiedAccount(email = newEmail()) {
    expect((await signUp(email)).statusCode).toBe(202);
    const verified = await call('POST', '/api/accounts/verify', { body: { token: linkToken(lastMailTo(email)) } });
    expect(verified.statusCode).toBe(200);
    return email;
  }

  async function session(email: string, password = STRONG) {
    const result = await signIn(email, password);
    expect(result.statusCode).toBe(200);
    return { jar: cookieJar(result), accessToken: bodyOf<{ accessToken: string }>(result).accessToken };
  }

  it('signs up, mails a single-use link, refuses sign-in until it is followed, then signs in', async () => {
    const email = newEmail();
    const up = await signUp(email.toUpperCase());
    expect(up.statusCode).toBe(202);
    expect(bodyOf(up)).toEqual({ status: 'mail-sent' });
    const mail = lastMailTo(email)!;
    expect(mail.subject).toMatch(/confirm/i);
    expect(mail.text).toContain(`${PAGE}/account/verify#token=`);

    const early = await signIn(email, STRONG);
    expect(early.statusCode).toBe(401);
    expect(bodyOf<ErrorBody>(early).error.code).toBe('sign-in-failed');
    expect(setCookie(early, REFRESH_COOKIE)).toBeUndefined();

    const token = linkToken(mail);
    expect((await call('POST', '/api/accounts/verify', { body: { token } })).statusCode).toBe(200);
    const again = await call('POST', '/api/accounts/verify', { body: { token } });
    expect(again.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(again).error.code).toBe('link-invalid');

    const inside = await signIn(email, STRONG);
    expect(inside.statusCode).toBe(200);
    expect(bodyOf<{ user: { kind: string; name: string } }>(inside).user).toMatchObject({
      kind: 'email',
      name: 'Ada Lovelace',
    });
    expect(setCookie(inside, REFRESH_COOKIE)).toMatch(/HttpOnly; Secure; SameSite=Strict/);
    expect((await refresh(cookieJar(inside))).statusCode).toBe(200);
    expect((await signIn(email, `${STRONG}!`)).statusCode).toBe(401);
  });

  it('refuses an expired sign-up link and a made-up one', async () => {
    const email = newEmail();
    await signUp(email);
    await db.sql.execute(
      "UPDATE account_email_tokens SET expires_at = now() - interval '1 second' WHERE email = :email",
      { email },
    );
    for (const token of [linkToken(lastMailTo(email)), randomBytes(32).toString('base64url')]) {
      const result = await call('POST', '/api/accounts/verify', { body: { token } });
      expect(bodyOf<ErrorBody>(result).error.code).toBe('link-invalid');
    }
    expect((await signIn(email, STRONG)).statusCode).toBe(401);
  });

  it('only the latest sign-up mail works, and a second sign-up never replaces the owner password', async () => {
    const email = newEmail();
    await signUp(email);
    const first = linkToken(lastMailTo(email));
    await signUp(email, STRONGER);
    const second = linkToken(lastMailTo(email));
    expect(bodyOf<ErrorBody>(await call('POST', '/api/accounts/verify', { body: { token: first } })).error.code).toBe(
      'link-invalid',
    );
    expect((await call('POST', '/api/accounts/verify', { body: { token: second } })).statusCode).toBe(200);
    // Someone signs up again with the owner's address and a password of their own.
    const intruder = await signUp(email, 'marmalade quantum saxophone');
    expect(intruder.statusCode).toBe(202);
    const mail = lastMailTo(email)!;
    expect(mail.subject).toMatch(/already have/i);
    expect(mail.text).toContain('/account/reset#token=');
    expect((await signIn(email, 'marmalade quantum saxophone')).statusCode).toBe(401);
    expect((await signIn(email, STRONGER)).statusCode).toBe(200);
    const accounts = await db.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE verified_email = :email',
      { email },
    );
    expect(accounts[0]!.n).toBe(1);
  });

  it('answers sign-up, sign-in and reset identically for existing and unknown addresses', async () => {
    const known = await verifiedAccount();
    const unknown = newEmail();
    expect(visible(await signUp(known))).toEqual(visible(await signUp(unknown)));
    expect(visible(await signIn(known, 'not the password at all'))).toEqual(
      visible(await signIn(unknown, 'not the password at all')),
    );
    const reset = (email: string) => call('POST', '/api/accounts/password-reset', { body: { email }, ip: randomIp() });
    expect(visible(await reset(known))).toEqual(visible(await reset(unknown)));
    // Both addresses got exactly one mail per request: the mail itself is the only place the difference shows.
    expect(outbox.filter((m) => m.to === unknown)).toHaveLength(2);
    expect(outbox.filter((m) => m.to === known)).toHaveLength(3);
  });

  it('refuses weak passwords, including ones built from the person’s own name or address', async () => {
    for (const password of ['password1234', 'qwertyuiop12', 'adalovelace1', 'short']) {
      const result = await signUp(`ada.lovelace@example.com`, password);
      expect(result.statusCode).toBe(400);
      expect(bodyOf<ErrorBody>(result).error.code).toMatch(/weak-password|bad-request/);
    }
    expect(outbox.filter((m) => m.to === 'ada.lovelace@example.com')).toHaveLength(0);
  });

  it('limits password guesses per account from any number of addresses, known or not', async () => {
    const known = await verifiedAccount();
    const unknown = newEmail();
    for (const email of [known, unknown]) {
      for (let i = 0; i < 3; i++) expect((await signIn(email, `wrong guess ${i}`)).statusCode).toBe(401);
      const blocked = await signIn(email, STRONG);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers!['retry-after']).toBeDefined();
    }
  });

  it('limits mails asked for from one address', async () => {
    const ip = randomIp();
    for (let i = 0; i < 4; i++) expect((await signUp(newEmail(), STRONG, ip)).statusCode).toBe(202);
    const before = outbox.length;
    expect((await signUp(newEmail(), STRONG, ip)).statusCode).toBe(429);
    expect(outbox.length).toBe(before);
  });

  it('signs out everywhere: every refresh token of the account dies, including one rotated meanwhile', async () => {
    const email = await verifiedAccount();
    const laptop = await session(email);
    const phone = await session(email);
    const out = await call('DELETE', '/api/sessions/all', {
      headers: { authorization: `Bearer ${laptop.accessToken}` },
    });
    expect(out.statusCode).toBe(204);
    expect(setCookie(out, REFRESH_COOKIE)).toMatch(/Max-Age=0/);
    // A refresh that was in flight during the sign-out may still have written its successor token after the
    // revocation: the generation, not the revocation, is what refuses it.
    await db.sql.execute(
      'UPDATE refresh_tokens SET revoked_at = NULL WHERE user_id = (SELECT id FROM users WHERE verified_email = :email)',
      { email },
    );
    for (const jar of [laptop.jar, phone.jar]) {
      const dead = await refresh(jar);
      expect(dead.statusCode).toBe(401);
      expect(bodyOf<ErrorBody>(dead).error.code).toBe('session-ended');
    }
    // Signing in again starts a session of the new generation, which works.
    expect((await refresh((await session(email)).jar)).statusCode).toBe(200);
  });

  it('resets a forgotten password by mail: single use, signs every session out, old password stops working', async () => {
    const email = await verifiedAccount();
    const before = await session(email);
    expect((await call('POST', '/api/accounts/password-reset', { body: { email } })).statusCode).toBe(202);
    const mail = lastMailTo(email)!;
    expect(mail.subject).toMatch(/reset/i);
    const token = linkToken(mail);

    const weak = await call('POST', '/api/accounts/password-reset/confirm', {
      body: { token, password: 'password1234' },
    });
    expect(bodyOf<ErrorBody>(weak).error.code).toBe('weak-password');
    const done = await call('POST', '/api/accounts/password-reset/confirm', { body: { token, password: STRONGER } });
    expect(done.statusCode).toBe(200);
    const reused = await call('POST', '/api/accounts/password-reset/confirm', {
      body: { token, password: 'another fine passphrase here' },
    });
    expect(bodyOf<ErrorBody>(reused).error.code).toBe('link-invalid');

    expect(bodyOf<ErrorBody>(await refresh(before.jar)).error.code).toBe('session-ended');
    expect((await signIn(email, STRONG)).statusCode).toBe(401);
    expect((await signIn(email, STRONGER)).statusCode).toBe(200);
  });

  it('refuses an expired reset link', async () => {
    const email = await verifiedAccount();
    await call('POST', '/api/accounts/password-reset', { body: { email } });
    await db.sql.execute(
      "UPDATE account_email_tokens SET expires_at = now() - interval '1 second' WHERE email = :email AND purpose = 'reset'",
      { email },
    );
    const token = linkToken(lastMailTo(email));
    const result = await call('POST', '/api/accounts/password-reset/confirm', { body: { token, password: STRONGER } });
    expect(bodyOf<ErrorBody>(result).error.code).toBe('link-invalid');
    expect((await signIn(email, STRONG)).statusCode).toBe(200);
  });

  it('changes the password only with the current one, keeping this browser and signing out the others', async () => {
    const email = await verifiedAccount();
    const here = await session(email);
    const elsewhere = await session(email);
    const change = (currentPassword: string, newPassword: string) =>
      call('POST', '/api/accounts/password', {
        body: { currentPassword, newPassword },
        headers: { authorization: `Bearer ${here.accessToken}` },
      });
    const wrong = await change('not my password', STRONGER);
    expect(bodyOf<ErrorBody>(wrong).error.code).toBe('wrong-password');
    expect(bodyOf<ErrorBody>(await change(STRONG, 'password1234')).error.code).toBe('weak-password');
    const changed = await change(STRONG, STRONGER);
    expect(changed.statusCode).toBe(200);
    expect((await refresh(cookieJar(changed))).statusCode).toBe(200);
    expect(bodyOf<ErrorBody>(await refresh(elsewhere.jar)).error.code).toBe('session-ended');
    expect((await signIn(email, STRONGER)).statusCode).toBe(200);
  });

  it('keeps one identity per verified address: Google with the same verified email joins the account', async () => {
    const email = await verifiedAccount();
    const emailUser = bodyOf<{ user: { id: string } }>(await signIn(email, STRONG)).user;
    const users = new UserStore(db.sql);
    const google = { issuer: 'https://accounts.google.com', name: 'Ada', email: email.toUpperCase() };
    const linked = await users.upsertFromProvider({ ...google, subject: `g-${email}`, emailVerified: true });
    expect(linked.id).toBe(emailUser.id);
    const again = await users.upsertFromProvider({ ...google, subject: `g-${email}`, emailVerified: true });
    expect(again.id).toBe(emailUser.id);
    // An address Google does not vouch for never reaches someone else's account.
    const other = await users.upsertFromProvider({ ...google, subject: `h-${email}`, emailVerified: false });
    expect(other.id).not.toBe(emailUser.id);
  });

  it('lets a Google-only account set a password through the reset mail, then sign in with either', async () => {
    const email = newEmail();
    const users = new UserStore(db.sql);
    const google = await users.upsertFromProvider({
      issuer: 'https://accounts.google.com',
      subject: `g-${email}`,
      name: 'Grace',
      email,
      emailVerified: true,
    });
    expect((await signIn(email, STRONG)).statusCode).toBe(401);
    await signUp(email);
    expect(lastMailTo(email)!.subject).toMatch(/already have/i);
    const token = linkToken(lastMailTo(email));
    await call('POST', '/api/accounts/password-reset/confirm', { body: { token, password: STRONG } });
    const inside = await signIn(email, STRONG);
    expect(bodyOf<{ user: { id: string; kind: string } }>(inside).user).toMatchObject({
      id: google.id,
      kind: 'google',
    });
  });

  describe('change of email', () => {
    const changeEmail = (accessToken: string, newEmail: string, password = STRONG, ip = randomIp()) =>
      call('POST', '/api/accounts/email', {
        body: { newEmail, password },
        headers: { authorization: `Bearer ${accessToken}` },
        ip,
      });
    const confirm = (token: string | undefined) => call('POST', '/api/accounts/email/confirm', { body: { token } });

    it('moves the account only once the new address follows its single-use link, and tells the old one', async () => {
      const old = await verifiedAccount();
      const { accessToken } = await session(old);
      const fresh = newEmail();
      const asked = await changeEmail(accessToken, fresh.toUpperCase());
      expect(asked.statusCode).toBe(202);
      expect(bodyOf(asked)).toEqual({ status: 'mail-sent' });
      const mail = lastMailTo(fresh)!;
      expect(mail.subject).toMatch(/confirm your new email/i);
      expect(mail.text).toContain(`${PAGE}/account/email#token=`);

      // Not yet: the old address still signs in, the new one does not.
      expect((await signIn(old, STRONG)).statusCode).toBe(200);
      expect((await signIn(fresh, STRONG)).statusCode).toBe(401);

      const token = linkToken(mail);
      const done = await confirm(token);
      expect(done.statusCode).toBe(200);
      expect(bodyOf(done)).toEqual({ status: 'email-changed' });
      expect(bodyOf<ErrorBody>(await confirm(token)).error.code).toBe('link-invalid');

      expect((await signIn(fresh, STRONG)).statusCode).toBe(200);
      expect((await signIn(old, STRONG)).statusCode).toBe(401);
      const notice = lastMailTo(old)!;
      expect(notice.subject).toMatch(/email was changed/i);
      expect(notice.text).toContain(`${fresh[0]}***@example.com`);
      expect(notice.text).not.toContain(fresh);
      expect(notice.text).not.toMatch(/#token=/);
    });

    it('asks for the current password, and refuses guests', async () => {
      const email = await verifiedAccount();
      const { accessToken } = await session(email);
      const fresh = newEmail();
      const wrong = await changeEmail(accessToken, fresh, 'not my password');
      expect(wrong.statusCode).toBe(401);
      expect(bodyOf<ErrorBody>(wrong).error.code).toBe('wrong-password');
      expect(lastMailTo(fresh)).toBeUndefined();
      const same = await changeEmail(accessToken, email);
      expect(bodyOf<ErrorBody>(same).error.code).toBe('same-email');

      const guest = await call('POST', '/api/sessions/guest', { body: { name: 'Gus' }, ip: randomIp() });
      const guestToken = bodyOf<{ accessToken: string }>(guest).accessToken;
      expect((await changeEmail(guestToken, fresh)).statusCode).toBe(403);
      expect(lastMailTo(fresh)).toBeUndefined();
    });

    it('answers the same for an address another account owns, mails it no link, and never moves onto it', async () => {
      const mine = await verifiedAccount();
      const theirs = await verifiedAccount();
      const { accessToken } = await session(mine);
      const free = newEmail();
      const owned = visible(await changeEmail(accessToken, theirs));
      expect(owned).toEqual(visible(await changeEmail(accessToken, free)));
      const taken = lastMailTo(theirs)!;
      expect(taken.subject).toMatch(/email change/i);
      expect(taken.text).not.toMatch(/#token=/);
      expect(taken.text).not.toContain(mine);
      expect((await signIn(theirs, STRONG)).statusCode).toBe(200);
    });

    it('refuses a link whose address another account verified meanwhile, without saying which', async () => {
      const mine = await verifiedAccount();
      const { accessToken } = await session(mine);
      const contested = newEmail();
      await changeEmail(accessToken, contested);
      const token = linkToken(lastMailTo(contested));
      // Someone else signs up with that address and verifies it first.
      await verifiedAccount(contested);
      const refused = await confirm(token);
      expect(refused.statusCode).toBe(409);
      const error = bodyOf<ErrorBody>(refused).error;
      expect(error.code).toBe('email-unavailable');
      expect(error.message).not.toContain(contested);
      expect((await signIn(mine, STRONG)).statusCode).toBe(200);
      const owners = await db.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM users WHERE verified_email = :email',
        { email: contested },
      );
      expect(owners[0]!.n).toBe(1);
    });

    it('refuses an expired link and an earlier one once a newer change was asked for', async () => {
      const mine = await verifiedAccount();
      const { accessToken } = await session(mine);
      const first = newEmail();
      const second = newEmail();
      await changeEmail(accessToken, first);
      const firstToken = linkToken(lastMailTo(first));
      await changeEmail(accessToken, second);
      expect(bodyOf<ErrorBody>(await confirm(firstToken)).error.code).toBe('link-invalid');
      await db.sql.execute(
        "UPDATE account_email_tokens SET expires_at = now() - interval '1 second' WHERE email = :email",
        { email: second },
      );
      expect(bodyOf<ErrorBody>(await confirm(linkToken(lastMailTo(second)))).error.code).toBe('link-invalid');
      expect((await signIn(mine, STRONG)).statusCode).toBe(200);
    });
  });

  it('never writes a password or an emailed token to the log', () => {
    const secrets = [STRONG, STRONGER, ...outbox.map(linkToken).filter(Boolean)] as string[];
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
