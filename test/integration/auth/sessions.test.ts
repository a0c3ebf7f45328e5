import { randomBytes } from 'node:crypto';
import { createRouter } from '../../../functions/api/router';
import { importAuthKeySecret, generateAuthKeySecret, type AuthKeys } from '../../../functions/auth/keys';
import { ORIGIN_VERIFY_HEADER } from '../../../functions/auth/client-ip';
import { createAuthRoutes, REFRESH_COOKIE } from '../../../functions/auth/routes';
import { createTokenService, type TokenService } from '../../../functions/auth/tickets';
import type { HttpResult } from '../../../functions/shared/http';
import { rateLimit, type Limit } from '../../../functions/shared/rate-limit';
import { availableBackends, startIdentityDb, type IdentityDb } from './identity-db';
import { asCookies, bodyOf, cookieJar, httpEvent, randomIp, setCookie, type CallOptions } from './http-events';

const PAGE = 'https://meet.example.com';
// What CloudFront puts in x-origin-verify on every request it forwards (the Web stack's OriginVerifySecret).
const EDGE_SECRET = randomBytes(24).toString('hex');

interface SessionBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; name: string; kind: string; picture: string | null };
}
type ErrorBody = { error: { code: string; message: string } };

describe.each(availableBackends())('sessions routes on %s through the Data API', (kind) => {
  let db: IdentityDb;
  let keys: AuthKeys;
  let tokens: TokenService;
  let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  // Small, long-windowed limits so a test reaches them quickly and a window never rolls over mid-test.
  const limitOverride: Limit = { max: 3, windowSeconds: 3600 };
  const env = { ...process.env };

  beforeAll(async () => {
    process.env.PUBLIC_URL = PAGE;
    process.env.ALLOWED_ORIGINS = PAGE;
    db = await startIdentityDb(kind);
    keys = await importAuthKeySecret(await generateAuthKeySecret());
    tokens = createTokenService({ keys: async () => keys, issuer: () => PAGE });
    route = createRouter(
      createAuthRoutes({
        sql: () => db.sql,
        tokens,
        keys: async () => keys,
        publicUrl: () => PAGE,
        google: () => undefined,
        rateLimit: (key, limit) => rateLimit(`${prefix}:${key}`, key.startsWith('signin:') ? limitOverride : limit),
        edgeSecret: async () => EDGE_SECRET,
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await db?.stop();
    process.env = env;
  });

  const call = (method: string, path: string, options: CallOptions = {}) => route(httpEvent(method, path, options));
  const fromPage = { Origin: PAGE };

  async function signInGuest(name: string, ip = randomIp()) {
    const result = await call('POST', '/api/sessions/guest', { body: { name }, headers: fromPage, ip });
    return { result, body: bodyOf<SessionBody>(result), jar: cookieJar(result) };
  }

  const countUsers = async () => (await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n;

  it('signs a guest in: access token for the user, refresh token only in a locked-down cookie', async () => {
    const { result, body } = await signInGuest('  Ann  ');
    expect(result.statusCode).toBe(201);
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { name: 'Ann', kind: 'guest', picture: null },
    });
    await expect(tokens.verifyAccessToken(body.accessToken)).resolves.toEqual({
      sub: body.user.id,
      name: 'Ann',
      kind: 'guest',
    });
    const cookie = setCookie(result, REFRESH_COOKIE)!;
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; Secure(;|$)/);
    expect(cookie).toMatch(/; SameSite=Strict(;|$)/);
    expect(cookie).toMatch(/; Path=\/api\/sessions(;|$)/);
    // The refresh token never appears in a body JavaScript can read.
    expect(result.body).not.toContain(cookie.split(';')[0]!.split('=')[1]);
    const me = await call('GET', '/api/me', { headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(me.statusCode).toBe(200);
    expect(bodyOf(me)).toEqual({ user: body.user });
  });

  it('stores SQL metacharacters and HTML in names verbatim and returns them as data', async () => {
    const names = [
      "Robert'); DROP TABLE users;--",
      '<img src=x onerror=alert(1)>',
      '"quoted" & <b>bold</b> \\ backslash',
      ':name $1 %s {{x}}',
      'Zoë 😀 李',
    ];
    for (const name of names) {
      const { result, body } = await signInGuest(name);
      expect(result.statusCode).toBe(201);
      expect(body.user.name).toBe(name);
      const me = await call('GET', '/api/me', { headers: { authorization: `Bearer ${body.accessToken}` } });
      expect(bodyOf<{ user: { name: string } }>(me).user.name).toBe(name);
      expect(me.headers?.['content-type']).toMatch(/^application\/json/);
      const [row] = await db.sql.query<{ name: string }>('SELECT name FROM users WHERE id = :id', { id: body.user.id });
      expect(row!.name).toBe(name);
    }
    expect(await countUsers()).toBeGreaterThanOrEqual(names.length);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['41 characters', 'x'.repeat(41)],
    ['a control character', 'Ann\u0007'],
    ['a newline', 'Ann\nBob'],
    ['a right-to-left override', 'Ann\u202Egnp.exe'],
    ['a right-to-left mark', '\u200FAnn'],
    ['a zero-width space', 'An\u200Bn'],
    ['a number', 42],
    ['null', null],
  ])('refuses a guest name that is %s with 400 and stores nothing', async (_label, name) => {
    const before = await countUsers();
    const result = await call('POST', '/api/sessions/guest', { body: { name }, headers: fromPage });
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).error.message).toMatch(/name/);
    expect(result.cookies ?? []).toHaveLength(0);
    expect(await countUsers()).toBe(before);
  });

  it('accepts 40 characters counted as people see them (emoji count once)', async () => {
    const { result, body } = await signInGuest('👩‍💻'.repeat(10) + 'x'.repeat(30));
    expect(result.statusCode).toBe(201);
    expect(body.user.name).toBe('👩‍💻'.repeat(10) + 'x'.repeat(30));
  });

  it('refuses malformed and oversized bodies', async () => {
    const bad = await call('POST', '/api/sessions/guest', { body: '{"name":', headers: fromPage });
    expect(bad.statusCode).toBe(400);
    const huge = await call('POST', '/api/sessions/guest', { body: { name: 'x'.repeat(70_000) }, headers: fromPage });
    expect(huge.statusCode).toBe(413);
  });

  it('refuses a guest sign-in posted by another site', async () => {
    const result = await call('POST', '/api/sessions/guest', {
      body: { name: 'Mallory' },
      headers: { Origin: 'https://evil.example' },
    });
    expect(result.statusCode).toBe(403);
    expect(result.cookies ?? []).toHaveLength(0);
  });

  it('rotates the refresh token: each refresh returns a new access token and a new cookie', async () => {
    const { jar, body } = await signInGuest('Rota');
    const first = jar.get(REFRESH_COOKIE);
    const result = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    expect(result.statusCode).toBe(200);
    const refreshed = bodyOf<SessionBody>(result);
    expect(refreshed.user).toEqual(body.user);
    await expect(tokens.verifyAccessToken(refreshed.accessToken)).resolves.toMatchObject({ sub: body.user.id });
    cookieJar(result, jar);
    expect(jar.get(REFRESH_COOKIE)).toBeDefined();
    expect(jar.get(REFRESH_COOKIE)).not.toBe(first);
    // Only a hash is stored: the cookie value appears nowhere in the table.
    const rows = await db.sql.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens');
    expect(rows.map((r) => r.token_hash)).not.toContain(first);
    expect(rows.map((r) => r.token_hash)).not.toContain(jar.get(REFRESH_COOKIE));
  });

  it('lets two tabs refresh with the same cookie at once (race), both get a session', async () => {
    const { jar } = await signInGuest('Tabs');
    const [a, b] = await Promise.all([
      call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage }),
      call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
  });

  it('treats a replayed (already rotated) refresh token as theft: refuses it and ends the whole session', async () => {
    const { jar } = await signInGuest('Victim');
    const stolen = new Map(jar);
    const rotated = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    cookieJar(rotated, jar);
    // Past the race grace window: the victim rotated a while ago.
    await db.sql.execute(
      'UPDATE refresh_tokens SET rotated_at = now() - make_interval(secs => 60) WHERE rotated_at IS NOT NULL',
    );
    const replay = await call('POST', '/api/sessions/refresh', { cookies: asCookies(stolen), headers: fromPage });
    expect(replay.statusCode).toBe(401);
    expect(bodyOf<ErrorBody>(replay).error.code).toBe('session-reused');
    expect(setCookie(replay, REFRESH_COOKIE)).toMatch(/Max-Age=0/);
    const victim = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    expect(victim.statusCode).toBe(401);
  });

  it('answers refresh without a cookie with 200 signedIn:false (a first visit is not an error) and sets no cookie', async () => {
    const none = await call('POST', '/api/sessions/refresh', { headers: fromPage });
    expect(none.statusCode).toBe(200);
    expect(bodyOf<{ signedIn: boolean }>(none)).toEqual({ signedIn: false });
    expect(none.body).not.toContain('accessToken');
    expect(setCookie(none, REFRESH_COOKIE)).toBeUndefined();
    const { jar } = await signInGuest('Returning');
    const back = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    expect(bodyOf<{ signedIn: boolean; accessToken: string }>(back)).toMatchObject({ signedIn: true });
    // Still cross-site protected: a foreign page learns nothing, not even "no session".
    const foreign = await call('POST', '/api/sessions/refresh', { headers: { Origin: 'https://evil.example' } });
    expect(foreign.statusCode).toBe(403);
  });

  it('refuses refresh without our Origin (cross-site request forgery) and with a made-up cookie', async () => {
    const { jar } = await signInGuest('Origin');
    const foreign: Record<string, string>[] = [{}, { Origin: 'https://evil.example' }, { Origin: 'null' }];
    for (const headers of foreign) {
      const result = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers });
      expect(result.statusCode).toBe(403);
      expect(result.body).not.toContain('accessToken');
    }
    for (const value of ['x', randomBytes(32).toString('base64url'), "' OR 1=1 --"]) {
      const made = await call('POST', '/api/sessions/refresh', {
        cookies: [`${REFRESH_COOKIE}=${encodeURIComponent(value)}`],
        headers: fromPage,
      });
      expect(made.statusCode).toBe(401);
    }
    const broken = await call('POST', '/api/sessions/refresh', {
      cookies: [`${REFRESH_COOKIE}=%E0%A4%A`],
      headers: fromPage,
    });
    expect(broken.statusCode).toBe(401);
    // The genuine cookie still works after all that.
    const ok = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    expect(ok.statusCode).toBe(200);
  });

  it('signs out: the cookie is cleared and the refresh token no longer works', async () => {
    const { jar } = await signInGuest('Leaver');
    const kept = new Map(jar);
    const out = await call('DELETE', '/api/sessions', { cookies: asCookies(jar), headers: fromPage });
    expect(out.statusCode).toBe(204);
    expect(setCookie(out, REFRESH_COOKIE)).toMatch(/Max-Age=0/);
    const again = await call('POST', '/api/sessions/refresh', { cookies: asCookies(kept), headers: fromPage });
    expect(again.statusCode).toBe(401);
    const crossSite = await call('DELETE', '/api/sessions', { cookies: asCookies(kept), headers: {} });
    expect(crossSite.statusCode).toBe(403);
  });

  it('refuses /api/me without a token, with a room ticket, and with a forged token', async () => {
    expect((await call('GET', '/api/me')).statusCode).toBe(401);
    const ticket = await tokens.issueRoomTicket({ sub: 'u', name: 'n', roomId: 'r', peerId: 'p', role: 'host' });
    expect((await call('GET', '/api/me', { headers: { authorization: `Bearer ${ticket}` } })).statusCode).toBe(401);
    const otherKeys = await importAuthKeySecret(await generateAuthKeySecret());
    const forged = await createTokenService({ keys: async () => otherKeys, issuer: () => PAGE }).issueAccessToken({
      sub: 'u',
      name: 'n',
      kind: 'guest',
    });
    expect((await call('GET', '/api/me', { headers: { authorization: `Bearer ${forged}` } })).statusCode).toBe(401);
  });

  it('rate-limits guest sign-ins per IP with 429 and Retry-After, without touching other IPs', async () => {
    const ip = randomIp();
    for (let i = 0; i < limitOverride.max; i++)
      expect((await signInGuest(`Flood ${i}`, ip)).result.statusCode).toBe(201);
    const before = await countUsers();
    const limited = await signInGuest('Flood again', ip);
    expect(limited.result.statusCode).toBe(429);
    expect(Number(limited.result.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(await countUsers()).toBe(before);
    expect((await signInGuest('Someone else', randomIp())).result.statusCode).toBe(201);
  });

  it('behind CloudFront, limits each viewer on its own, not everyone behind the same edge server', async () => {
    const edge = randomIp();
    const viewer = (address: string) => ({
      ...fromPage,
      [ORIGIN_VERIFY_HEADER]: EDGE_SECRET,
      'cloudfront-viewer-address': address,
    });
    const signIn = (name: string, address: string) =>
      call('POST', '/api/sessions/guest', { body: { name }, headers: viewer(address), ip: edge });
    const first = `${randomIp()}:50123`;
    for (let i = 0; i < limitOverride.max; i++) expect((await signIn(`Viewer ${i}`, first)).statusCode).toBe(201);
    expect((await signIn('Viewer again', first)).statusCode).toBe(429);
    // another viewer reaching the same edge server still gets in
    expect((await signIn('Neighbour', `${randomIp()}:443`)).statusCode).toBe(201);
  });

  it('ignores viewer addresses forged by a client calling the API directly (no origin secret)', async () => {
    const direct = randomIp();
    const forged = (i: number, secret?: string) => ({
      ...fromPage,
      'cloudfront-viewer-address': `198.51.100.${i}:443`,
      ...(secret === undefined ? {} : { [ORIGIN_VERIFY_HEADER]: secret }),
    });
    for (let i = 0; i < limitOverride.max; i++) {
      const result = await call('POST', '/api/sessions/guest', {
        body: { name: `Bot ${i}` },
        headers: forged(i),
        ip: direct,
      });
      expect(result.statusCode).toBe(201);
    }
    // a fresh invented address, with no secret or a guessed one, is still the same client
    for (const secret of [undefined, 'guessed']) {
      const result = await call('POST', '/api/sessions/guest', {
        body: { name: 'Bot again' },
        headers: forged(200, secret),
        ip: direct,
      });
      expect(result.statusCode).toBe(429);
    }
  });

  it('sweeps expired refresh tokens when someone signs in, leaving live ones', async () => {
    const { jar, body } = await signInGuest('Sweeper');
    for (let i = 0; i < 3; i++) {
      await db.sql.execute(
        `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
         VALUES (:hash, :family, :userId, now() - make_interval(secs => 60))`,
        { hash: randomBytes(32).toString('hex'), family: crypto.randomUUID(), userId: body.user.id },
      );
    }
    const expired = 'SELECT count(*)::int AS n FROM refresh_tokens WHERE expires_at < now()';
    expect((await db.sql.query<{ n: number }>(expired))[0]!.n).toBeGreaterThanOrEqual(3);
    await signInGuest('Next visitor');
    expect((await db.sql.query<{ n: number }>(expired))[0]!.n).toBe(0);
    const live = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: fromPage });
    expect(live.statusCode).toBe(200);
  });

  it('answers 404 for Google sign-in when it is not configured', async () => {
    const result = await call('GET', '/api/auth/google/start');
    expect(result.statusCode).toBe(404);
    expect(bodyOf<ErrorBody>(result).error.code).toBe('google-disabled');
  });
});
