import { randomBytes } from 'node:crypto';
import { createRouter } from '../../../functions/api/router';
import { FLOW_COOKIE } from '../../../functions/auth/flow-cookie';
import { generateAuthKeySecret, importAuthKeySecret, type AuthKeys } from '../../../functions/auth/keys';
import { createAuthRoutes, REFRESH_COOKIE } from '../../../functions/auth/routes';
import { createTokenService } from '../../../functions/auth/tickets';
import type { HttpResult } from '../../../functions/shared/http';
import { rateLimit, type Limit } from '../../../functions/shared/rate-limit';
import { startOidcProvider, type OidcProvider } from '../../support/oidc-provider';
import { asCookies, bodyOf, cookieJar, httpEvent, setCookie, type CallOptions } from './http-events';
import { availableBackends, startIdentityDb, type IdentityDb } from './identity-db';

const PAGE = 'http://localhost:8080';
const CALLBACK = `${PAGE}/api/auth/google/callback`;

// The real Google flow code (discovery, PKCE, code exchange, remote JWKS, nonce) against a provider that checks
// what Google checks. One database backend is enough here; sessions.test.ts covers both.
const backend = availableBackends().at(-1)!;

describe(`Google sign-in against a local OpenID provider (${backend})`, () => {
  let db: IdentityDb;
  let provider: OidcProvider;
  let keys: AuthKeys;
  let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  const perIdentity: Limit = { max: 2, windowSeconds: 3600 };
  const env = { ...process.env };

  beforeAll(async () => {
    process.env.PUBLIC_URL = PAGE;
    process.env.ALLOWED_ORIGINS = PAGE;
    [db, provider] = await Promise.all([startIdentityDb(backend), startOidcProvider({ redirectUris: [CALLBACK] })]);
    keys = await importAuthKeySecret(await generateAuthKeySecret());
    route = createRouter(
      createAuthRoutes({
        sql: () => db.sql,
        tokens: createTokenService({ keys: async () => keys, issuer: () => PAGE }),
        keys: async () => keys,
        publicUrl: () => PAGE,
        google: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: async () => provider.clientSecret,
          redirectUri: CALLBACK,
        }),
        rateLimit: (key, limit) =>
          rateLimit(`${prefix}:${key}`, key.startsWith('signin:google:') ? perIdentity : limit),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([db?.stop(), provider?.stop()]);
    process.env = env;
  });
  beforeEach(() => {
    // A fresh account per test keeps the per-identity rate limit out of the way.
    provider.user = {
      sub: randomBytes(8).toString('hex'),
      name: 'Grace Hopper',
      email: 'grace@example.com',
      picture: 'https://lh3.googleusercontent.com/a/grace',
    };
  });

  const call = (method: string, path: string, options: CallOptions = {}) => route(httpEvent(method, path, options));
  const countUsers = async () => (await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n;

  /** The browser: our start route, then the provider's consent page, which redirects back with code and state. */
  async function beginSignIn(returnTo?: string) {
    const start = await call('GET', '/api/auth/google/start', { query: returnTo ? { returnTo } : {} });
    expect(start.statusCode).toBe(302);
    const authorizeUrl = new URL(String(start.headers!.location));
    const jar = cookieJar(start);
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callbackUrl = new URL(consent.headers.get('location')!);
    return { start, authorizeUrl, jar, callbackUrl };
  }

  function finish(callbackUrl: URL, jar: Map<string, string>) {
    return call('GET', callbackUrl.pathname, {
      query: Object.fromEntries(callbackUrl.searchParams),
      cookies: asCookies(jar),
    });
  }

  function refusal(result: HttpResult): string | null {
    expect(result.statusCode).toBe(302);
    expect(setCookie(result, REFRESH_COOKIE)).toBeUndefined();
    return new URL(String(result.headers!.location), PAGE).searchParams.get('signin_error');
  }

  it('signs a Google user in end to end and keeps the PKCE verifier out of the browser URL', async () => {
    const { start, authorizeUrl, jar, callbackUrl } = await beginSignIn('/r/room-1');
    expect(authorizeUrl.origin).toBe(provider.issuer);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(authorizeUrl.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(authorizeUrl.searchParams.has('code_verifier')).toBe(false);
    const flowCookie = setCookie(start, FLOW_COOKIE)!;
    expect(flowCookie).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    expect(flowCookie).toMatch(/Path=\/api\/auth\/google\/callback/);

    const done = await finish(callbackUrl, jar);
    expect(done.statusCode).toBe(302);
    expect(done.headers!.location).toBe('/r/room-1');
    expect(setCookie(done, FLOW_COOKIE)).toMatch(/Max-Age=0/);
    cookieJar(done, jar);
    expect(provider.tokenRequests.at(-1)!.outcome).toBe('issued');

    const session = await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: { Origin: PAGE } });
    expect(session.statusCode).toBe(200);
    expect(bodyOf(session).user).toMatchObject({
      name: 'Grace Hopper',
      kind: 'google',
      picture: 'https://lh3.googleusercontent.com/a/grace',
    });
  });

  it('keeps one account per Google subject and follows name and picture changes', async () => {
    const first = await beginSignIn();
    const a = await finish(first.callbackUrl, first.jar);
    cookieJar(a, first.jar);
    const before = await countUsers();
    provider.user = { ...provider.user, name: 'Grace B. Hopper', picture: 'https://lh3.googleusercontent.com/a/new' };
    const second = await beginSignIn();
    const b = await finish(second.callbackUrl, second.jar);
    cookieJar(b, second.jar);
    expect(await countUsers()).toBe(before);
    const refresh = (jar: Map<string, string>) =>
      call('POST', '/api/sessions/refresh', { cookies: asCookies(jar), headers: { Origin: PAGE } });
    const userA = bodyOf<{ user: { id: string } }>(await refresh(first.jar)).user;
    const userB = bodyOf<{ user: { id: string; name: string; picture: string } }>(await refresh(second.jar)).user;
    expect(userB.id).toBe(userA.id);
    expect(userB).toMatchObject({ name: 'Grace B. Hopper', picture: 'https://lh3.googleusercontent.com/a/new' });
  });

  it('refuses an intercepted code redeemed in another browser: the provider checks the PKCE verifier', async () => {
    const victim = await beginSignIn();
    const attacker = await beginSignIn();
    const before = await countUsers();
    // The attacker's own flow (valid state and cookie), carrying the victim's code.
    const stolen = new URL(attacker.callbackUrl);
    stolen.searchParams.set('code', victim.callbackUrl.searchParams.get('code')!);
    expect(refusal(await finish(stolen, attacker.jar))).toBe('google-code-rejected');
    expect(provider.tokenRequests.at(-1)!.outcome).toBe('pkce_mismatch');
    expect(await countUsers()).toBe(before);
  });

  it('refuses an ID token whose nonce is not the one this browser asked for', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    provider.tamperNext({ nonce: randomBytes(32).toString('base64url') });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-nonce-mismatch');
  });

  it('refuses an ID token issued to another application (audience)', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    // azp stays ours, so only the audience check stands between this token and a session.
    provider.tamperNext({ audience: 'someone-elses-client.apps.example' });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-token-invalid');
  });

  it('refuses an ID token whose audience includes us but was issued to another client (azp)', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    provider.tamperNext({ azp: 'someone-elses-client.apps.example' });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-token-invalid');
  });

  it('refuses an expired ID token', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    provider.tamperNext({ expiresIn: -600 });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-token-invalid');
  });

  it('refuses an ID token signed with a key the provider does not publish', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    provider.tamperNext({ foreignKey: true });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-token-invalid');
  });

  it('refuses an ID token from another issuer', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    provider.tamperNext({ issuer: 'https://accounts.evil.example' });
    expect(refusal(await finish(callbackUrl, jar))).toBe('google-token-invalid');
  });

  it('refuses a callback whose state does not match this browser (login CSRF) or that has no flow cookie', async () => {
    const mine = await beginSignIn();
    const forged = new URL(mine.callbackUrl);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    expect(refusal(await finish(forged, mine.jar))).toBe('google-state-mismatch');
    // A link to the attacker's own callback URL, opened by a victim who never started a sign-in.
    const attacker = await beginSignIn();
    expect(refusal(await finish(attacker.callbackUrl, new Map()))).toBe('google-flow-missing');
    const tampered = new Map([[FLOW_COOKIE, `${mine.jar.get(FLOW_COOKIE)!.slice(0, -4)}AAAA`]]);
    expect(refusal(await finish(mine.callbackUrl, tampered))).toBe('google-flow-invalid');
  });

  it('refuses a replayed callback (the code is single use)', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    const replayJar = new Map(jar);
    expect((await finish(callbackUrl, jar)).headers!.location).toBe('/');
    expect(refusal(await finish(callbackUrl, replayJar))).toBe('google-code-rejected');
    expect(provider.tokenRequests.at(-1)!.outcome).toBe('invalid_grant');
  });

  it('reports a cancelled consent without calling the token endpoint', async () => {
    const { jar, callbackUrl } = await beginSignIn();
    const cancelled = new URL(CALLBACK);
    cancelled.searchParams.set('error', 'access_denied');
    cancelled.searchParams.set('state', callbackUrl.searchParams.get('state')!);
    const requests = provider.tokenRequests.length;
    expect(refusal(await finish(cancelled, jar))).toBe('google-cancelled');
    expect(provider.tokenRequests).toHaveLength(requests);
  });

  it.each(['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])(
    'never redirects off-site after sign-in (returnTo=%s)',
    async (returnTo) => {
      const { jar, callbackUrl } = await beginSignIn(returnTo);
      expect((await finish(callbackUrl, jar)).headers!.location).toBe('/');
    },
  );

  it('fails loudly (not as a user error) when our client secret is wrong', async () => {
    const misconfigured = createRouter(
      createAuthRoutes({
        sql: () => db.sql,
        tokens: createTokenService({ keys: async () => keys, issuer: () => PAGE }),
        keys: async () => keys,
        publicUrl: () => PAGE,
        google: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: async () => 'not-the-secret',
          redirectUri: CALLBACK,
        }),
        rateLimit: async () => undefined,
      }),
    );
    const { jar, callbackUrl } = await beginSignIn();
    const event = httpEvent('GET', callbackUrl.pathname, {
      query: Object.fromEntries(callbackUrl.searchParams),
      cookies: asCookies(jar),
    });
    await expect(misconfigured(event)).rejects.toThrow('token endpoint answered 401');
    expect(provider.tokenRequests.at(-1)!.outcome).toBe('invalid_client');
  });

  it('rate-limits sign-ins per Google account', async () => {
    for (let i = 0; i < perIdentity.max; i++) {
      const { jar, callbackUrl } = await beginSignIn();
      expect(setCookie(await finish(callbackUrl, jar), REFRESH_COOKIE)).toBeDefined();
    }
    const { jar, callbackUrl } = await beginSignIn();
    expect(refusal(await finish(callbackUrl, jar))).toBe('rate-limited');
  });
});
