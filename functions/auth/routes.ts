import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { Route, RouteRequest } from '../api/router';
import { secrets } from '../shared/aws-clients';
import { optionalEnv, requireEnv } from '../shared/env';
import { AppError, NotFound, Unauthorized, isAppError } from '../shared/errors';
import { bearerToken, cookie, json, readJson, redirect, type HttpEvent } from '../shared/http';
import { clientAddressBucket, loadEdgeSecret } from './client-ip';
import { logger } from '../shared/logger';
import { limits, rateLimit, type Limit } from '../shared/rate-limit';
import { getSql, type Sql } from '../shared/sql/sql';
import { FLOW_COOKIE, FLOW_TTL_SECONDS, signFlow, verifyFlow } from './flow-cookie';
import { authorizationUrl, completeSignIn, newFlowSecrets, sameSecret, type OidcClientConfig } from './google';
import { loadAuthKeys, type AuthKeys } from './keys';
import { guestNameSchema, providerDisplayName } from './names';
import {
  REFRESH_COOKIE,
  clearRefreshCookie,
  cookieHeader,
  publicUser,
  refreshCookie,
  requireOurOrigin,
  sessionResponse as createSessionResponse,
} from './session-http';
import { SessionStore } from './sessions';
import { issueAccessToken, verifyAccessToken, type TokenService } from './tickets';
import { UserStore, type User } from './users';
import { SIGNED_OUT } from '../shared/protocol/sessions';

export { REFRESH_COOKIE };
const FLOW_COOKIE_PATH = '/api/auth/google/callback';
// A page refreshes every ~15 min per tab; a whole office behind one NAT stays far below this, a script does not.
const REFRESH_LIMIT: Limit = { max: 60, windowSeconds: 60 };

/** Everything the routes touch from outside; `authRoutes` wires the real ones, tests may swap any. */
export interface AuthDeps {
  sql(): Sql;
  tokens: Pick<TokenService, 'issueAccessToken' | 'verifyAccessToken'>;
  keys(): Promise<AuthKeys>;
  publicUrl(): string;
  /** Undefined when Google sign-in is not configured (GOOGLE_CLIENT_ID unset). */
  google(): OidcClientConfig | undefined;
  rateLimit(key: string, limit: Limit): Promise<void>;
  /**
   * CloudFront's origin secret: requests carrying it may name the viewer in `CloudFront-Viewer-Address`
   * (functions/auth/client-ip.ts).
   * @default - no secret: the viewer header is never believed and every request is limited by its source address
   */
  edgeSecret?(): Promise<string | undefined>;
}

// Lax, not Strict: the callback is a top-level navigation coming from the provider's site, and Strict cookies
// are withheld on cross-site navigations.
const flowCookie = (value: string) =>
  cookieHeader(FLOW_COOKIE, value, { path: FLOW_COOKIE_PATH, maxAge: FLOW_TTL_SECONDS, sameSite: 'Lax' });
const clearFlowCookie = () => cookieHeader(FLOW_COOKIE, '', { path: FLOW_COOKIE_PATH, maxAge: 0, sameSite: 'Lax' });

/**
 * A cookie value, or undefined when absent. A malformed percent-escape is the sender's fault: treated as an
 * unusable value (401 later) rather than left to surface as a URIError and a 500.
 */
function readCookie(event: HttpEvent, name: string): string | undefined {
  try {
    const value = cookie(event, name);
    // `cookie` reads a malformed escape as absent; here it must stay "present but unusable" (401, cleared), since
    // only a truly absent cookie means "nobody signed in" (200 signedIn:false).
    if (value === undefined && (event.cookies ?? []).some((c) => c.split('=', 1)[0]!.trim() === name))
      return 'malformed';
    return value;
  } catch (error) {
    if (error instanceof URIError) return 'malformed';
    throw error;
  }
}

/**
 * A same-origin path to return to after sign-in; anything else becomes `/`. Decided by URL parsing against the app's
 * own origin, not by looking at the string: dot segments (`/.//x`, `/a/..//x`, `/%2e//x`), backslashes and stripped
 * tabs/newlines all normalise to a path starting with `//`, which a browser reads in a Location header as a
 * scheme-relative URL to another host. So the result must itself resolve to our origin, not only the input.
 */
export function safeReturnPath(value: string | undefined, publicUrl: string): string {
  if (!value || value.length > 512 || !value.startsWith('/')) return '/';
  try {
    const base = new URL(publicUrl);
    const url = new URL(value, base);
    if (url.origin !== base.origin) return '/';
    const path = `${url.pathname}${url.search}${url.hash}`;
    // `//host` or `/\host` after normalisation: another origin as soon as the browser resolves it.
    if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
    return new URL(path, base).origin === base.origin ? path : '/';
  } catch {
    return '/';
  }
}

export function createAuthRoutes(deps: AuthDeps): Route[] {
  const users = () => new UserStore(deps.sql());
  const sessions = () => new SessionStore(deps.sql());

  const sessionResponse = (status: number, user: User, refreshToken: string) =>
    createSessionResponse(deps.tokens, status, user, refreshToken);

  // Per-address limits count an IPv6 viewer by its /64: one subscriber holds the whole prefix.
  const addressOf = async (event: HttpEvent) => clientAddressBucket(event, await deps.edgeSecret?.());

  function googleConfig(): OidcClientConfig {
    const config = deps.google();
    if (!config) throw new NotFound('Google sign-in is not enabled on this server', 'google-disabled');
    return config;
  }

  async function guest({ event }: RouteRequest) {
    requireOurOrigin(event, false);
    await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
    const { name } = readJson(event, z.object({ name: guestNameSchema }));
    const user = await users().createGuest(name);
    logger.info('guest signed in', { userId: user.id });
    return sessionResponse(201, user, await sessions().start(user.id));
  }

  async function refresh({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    await deps.rateLimit(`refresh:ip:${await addressOf(event)}`, REFRESH_LIMIT);
    const token = readCookie(event, REFRESH_COOKIE);
    // No cookie: nobody has signed in on this browser, which is not an error (every first visit looks like this).
    if (!token) return json(200, SIGNED_OUT);
    let rotated;
    try {
      rotated = await sessions().rotate(token);
    } catch (error) {
      // A dead cookie is useless to keep: clear it so the page stops retrying with it.
      if (isAppError(error)) return withClearedSession(error);
      throw error;
    }
    const user = await users().findById(rotated.userId);
    if (!user) return withClearedSession(new Unauthorized('Sign in again: this account no longer exists'));
    return sessionResponse(200, user, rotated.token);
  }

  function withClearedSession(error: AppError) {
    return json(
      error.status,
      { error: { code: error.code, message: error.message } },
      { cookies: [clearRefreshCookie()] },
    );
  }

  async function signOut({ event }: RouteRequest) {
    requireOurOrigin(event, true);
    const token = readCookie(event, REFRESH_COOKIE);
    if (token) await sessions().end(token);
    return json(204, null, { cookies: [clearRefreshCookie()] });
  }

  async function me({ event }: RouteRequest) {
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    const user = await users().findById(claims.sub);
    if (!user) throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    return json(200, { user: publicUser(user) });
  }

  async function googleStart({ event }: RouteRequest) {
    const config = googleConfig();
    const flow = {
      ...newFlowSecrets(),
      returnTo: safeReturnPath(event.queryStringParameters?.returnTo, deps.publicUrl()),
    };
    const location = await authorizationUrl(config, flow);
    const signed = await signFlow(await deps.keys(), deps.publicUrl(), flow);
    return redirect(location, [flowCookie(signed)]);
  }

  async function googleCallback({ event }: RouteRequest) {
    const config = googleConfig();
    let returnTo = '/';
    try {
      const query = event.queryStringParameters ?? {};
      const flow = await verifyFlow(await deps.keys(), deps.publicUrl(), readCookie(event, FLOW_COOKIE));
      returnTo = flow.returnTo;
      if (query.error) throw new Unauthorized('Google sign-in was cancelled', 'google-cancelled');
      // state ties this callback to the browser that started the flow (login CSRF, RFC 6749 §10.12).
      if (!query.state || !sameSecret(query.state, flow.state)) {
        throw new Unauthorized('Google sign-in started elsewhere; try again', 'google-state-mismatch');
      }
      if (!query.code || query.code.length > 2048) throw new Unauthorized('Google sign-in failed', 'google-no-code');
      await deps.rateLimit(`signin:ip:${await addressOf(event)}`, limits.signIn);
      const identity = await completeSignIn(config, query.code, flow);
      await deps.rateLimit(`signin:google:${identity.subject}`, limits.signIn);
      const user = await users().upsertFromProvider({
        issuer: identity.issuer,
        subject: identity.subject,
        name: providerDisplayName(identity.name, identity.email),
        email: identity.email,
        emailVerified: identity.emailVerified,
        picture: identity.picture,
      });
      logger.info('google user signed in', { userId: user.id });
      const refreshToken = await sessions().start(user.id);
      return redirect(returnTo, [clearFlowCookie(), refreshCookie(refreshToken)]);
    } catch (error) {
      if (!isAppError(error)) throw error;
      // The browser is mid-navigation: send it back to the app with a reason it can show, not a JSON page.
      logger.warn('google sign-in refused', { code: error.code });
      const back = new URL(returnTo, deps.publicUrl());
      back.searchParams.set('signin_error', error.code);
      return redirect(`${back.pathname}${back.search}${back.hash}`, [clearFlowCookie()]);
    }
  }

  return [
    { method: 'POST', path: '/api/sessions/guest', handle: guest },
    { method: 'POST', path: '/api/sessions/refresh', handle: refresh },
    { method: 'DELETE', path: '/api/sessions', handle: signOut },
    { method: 'GET', path: '/api/me', handle: me },
    { method: 'GET', path: '/api/auth/google/start', handle: googleStart },
    { method: 'GET', path: '/api/auth/google/callback', handle: googleCallback },
  ];
}

let googleSecret: Promise<string> | undefined;

/** The OAuth client secret from Secrets Manager: a plain string, or JSON with `client_secret` / `clientSecret`. */
async function readGoogleClientSecret(): Promise<string> {
  const out = await secrets().send(new GetSecretValueCommand({ SecretId: requireEnv('GOOGLE_CLIENT_SECRET_ARN') }));
  const raw = out.SecretString ?? '';
  try {
    const parsed = JSON.parse(raw) as { client_secret?: string; clientSecret?: string };
    const value = parsed.client_secret ?? parsed.clientSecret;
    if (typeof value === 'string' && value) return value;
  } catch {
    // not JSON: the secret is the client secret itself
  }
  if (!raw) throw new Error('GOOGLE_CLIENT_SECRET_ARN secret is empty');
  return raw;
}

export const defaultAuthDeps: AuthDeps = {
  sql: getSql,
  tokens: { issueAccessToken, verifyAccessToken },
  keys: () => loadAuthKeys(),
  publicUrl: () => requireEnv('PUBLIC_URL'),
  google: () => {
    const clientId = optionalEnv('GOOGLE_CLIENT_ID');
    if (!clientId) return undefined;
    return {
      issuer: optionalEnv('GOOGLE_ISSUER', 'https://accounts.google.com')!,
      clientId,
      clientSecret: () => {
        googleSecret ??= readGoogleClientSecret();
        googleSecret.catch(() => (googleSecret = undefined));
        return googleSecret;
      },
      redirectUri: `${requireEnv('PUBLIC_URL').replace(/\/+$/, '')}/api/auth/google/callback`,
    };
  },
  rateLimit,
  edgeSecret: loadEdgeSecret,
};

/** The identity routes for the HTTP API router (functions/api/routes.ts). */
export const authRoutes: Route[] = createAuthRoutes(defaultAuthDeps);
