import { json, type HttpEvent } from '../shared/http';
import { Forbidden } from '../shared/errors';
import { avatarUrlOf } from '../shared/protocol/avatars';
import { header, isAllowedOrigin } from './origins';
import { REFRESH_TTL_SECONDS } from './sessions';
import { ACCESS_TTL_SECONDS, accessClaimsSchema, type AccessClaims, type TokenService } from './tickets';
import type { User } from './users';

/*
 * How a session reaches the browser: an access token in the JSON body, the refresh token in an HttpOnly cookie.
 * Shared by every way of signing in (guest, Google, email: routes.ts and account-routes.ts).
 */

export const REFRESH_COOKIE = 'cn_refresh';
// Scoped to the routes under it, so no other request (and no other feature's code) ever carries it.
const REFRESH_COOKIE_PATH = '/api/sessions';

export function cookieHeader(
  name: string,
  value: string,
  options: { path: string; maxAge: number; sameSite: 'Strict' | 'Lax' },
): string {
  // Secure is set even locally: browsers treat http://localhost as a secure context and keep Secure cookies.
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAge}; HttpOnly; Secure; SameSite=${options.sameSite}`;
}

export const refreshCookie = (token: string) =>
  cookieHeader(REFRESH_COOKIE, token, { path: REFRESH_COOKIE_PATH, maxAge: REFRESH_TTL_SECONDS, sameSite: 'Strict' });
export const clearRefreshCookie = () =>
  cookieHeader(REFRESH_COOKIE, '', { path: REFRESH_COOKIE_PATH, maxAge: 0, sameSite: 'Strict' });

/**
 * Cookie-bearing requests must come from one of our pages. SameSite=Strict already keeps the cookie off
 * cross-site requests; the Origin check is the second lock for browsers or proxies that get SameSite wrong.
 */
export function requireOurOrigin(event: HttpEvent, required: boolean): void {
  const origin = header(event.headers, 'origin');
  if (origin === undefined && !required) return;
  if (!isAllowedOrigin(origin)) throw new Forbidden('Requests must come from a Connect Now page', 'origin');
}

export const publicUser = (user: User) => ({
  id: user.id,
  name: user.name,
  kind: user.kind,
  picture: user.picture,
  // Our own stored picture (the profile page shows it); Google's `picture` stays as the provider gave it.
  ...(user.avatar_key ? { avatarUrl: avatarUrlOf(user.avatar_key) } : {}),
});

export function accessClaimsFor(user: User): AccessClaims {
  const picture = accessClaimsSchema.shape.picture.safeParse(user.picture ?? undefined);
  return { sub: user.id, name: user.name, kind: user.kind, picture: picture.success ? picture.data : undefined };
}

/** The JSON answer of a sign-in: a fresh access token, the user, and the refresh cookie. */
export async function sessionResponse(
  tokens: Pick<TokenService, 'issueAccessToken'>,
  status: number,
  user: User,
  refreshToken: string,
) {
  const accessToken = await tokens.issueAccessToken(accessClaimsFor(user));
  return json(
    status,
    { signedIn: true, accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TTL_SECONDS, user: publicUser(user) },
    { cookies: [refreshCookie(refreshToken)] },
  );
}
