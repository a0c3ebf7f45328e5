import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as z from 'zod';
import { Unauthorized } from '../shared/errors';

/** Settings for one OpenID provider (Google in production, a local provider in tests). */
export interface OidcClientConfig {
  /** e.g. https://accounts.google.com; discovery is read from `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: () => Promise<string>;
  /** `${PUBLIC_URL}/api/auth/google/callback`, registered with the provider. */
  redirectUri: string;
}

export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  name?: string;
  email?: string;
  /** The provider vouches that the person controls `email` (OIDC Core §5.1 `email_verified`). */
  emailVerified: boolean;
  picture?: string;
}

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});
type Discovery = z.infer<typeof discoverySchema>;

const tokenResponseSchema = z.object({ id_token: z.string().min(1).max(16_384) });

const idTokenClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  nonce: z.string(),
  azp: z.string().optional(),
  name: z.string().max(1000).optional(),
  email: z.string().max(320).optional(),
  email_verified: z.boolean().optional(),
  picture: z.string().max(2048).optional(),
});

// Discovery and keys change rarely; caching them per container saves two round trips per sign-in. jose's remote
// key set refetches on its own when a token names a kid it has not seen (Google rotates keys every few weeks).
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const HTTP_TIMEOUT_MS = 5000;
// Google's guidance allows for a few minutes of skew between its clocks and ours on iat/exp.
const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 60;
const discoveries = new Map<string, { at: number; value: Promise<Discovery> }>();
const keySets = new Map<string, JWTVerifyGetKey>();

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

/** Only https endpoints, except for a provider that itself runs on this machine (tests, `npm start`). */
function assertSafeEndpoint(issuer: string, endpoint: string, field: string): void {
  const url = new URL(endpoint);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopback(url) && isLoopback(new URL(issuer))) return;
  throw new Error(`OpenID discovery for ${issuer}: ${field} must use https`);
}

async function fetchDiscovery(issuer: string): Promise<Discovery> {
  const response = await fetch(`${trimSlash(issuer)}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`OpenID discovery for ${issuer} answered ${response.status}`);
  const discovery = discoverySchema.parse(await response.json());
  // A discovery document that names another issuer would let that issuer's tokens through (OIDC Discovery §4.3).
  if (trimSlash(discovery.issuer) !== trimSlash(issuer)) {
    throw new Error(`OpenID discovery for ${issuer} names another issuer (${discovery.issuer})`);
  }
  assertSafeEndpoint(issuer, discovery.authorization_endpoint, 'authorization_endpoint');
  assertSafeEndpoint(issuer, discovery.token_endpoint, 'token_endpoint');
  assertSafeEndpoint(issuer, discovery.jwks_uri, 'jwks_uri');
  return discovery;
}

export async function discover(issuer: string): Promise<Discovery> {
  const cached = discoveries.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.value;
  const value = fetchDiscovery(issuer);
  discoveries.set(issuer, { at: Date.now(), value });
  value.catch(() => discoveries.delete(issuer));
  return value;
}

function keySet(jwksUri: string): JWTVerifyGetKey {
  let set = keySets.get(jwksUri);
  if (!set) {
    set = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: HTTP_TIMEOUT_MS });
    keySets.set(jwksUri, set);
  }
  return set;
}

/** Fresh secrets for one sign-in attempt: CSRF state, replay nonce, PKCE verifier (RFC 7636, 43+ chars). */
export function newFlowSecrets(): { state: string; nonce: string; verifier: string } {
  const random = () => randomBytes(32).toString('base64url');
  return { state: random(), nonce: random(), verifier: random() };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function authorizationUrl(
  config: OidcClientConfig,
  flow: { state: string; nonce: string; verifier: string },
): Promise<string> {
  const { authorization_endpoint } = await discover(config.issuer);
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: pkceChallenge(flow.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** Trades the authorization code for an ID token (client_secret_post + the PKCE verifier). */
async function exchangeCode(config: OidcClientConfig, code: string, verifier: string): Promise<string> {
  const { token_endpoint } = await discover(config.issuer);
  const response = await fetch(token_endpoint, {
    method: 'POST',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: config.redirectUri,
      client_id: config.clientId,
      client_secret: await config.clientSecret(),
      code_verifier: verifier,
    }).toString(),
  });
  if (response.status === 400) {
    // invalid_grant: code reused, expired, or the verifier does not match the challenge.
    throw new Unauthorized('Google sign-in was not accepted; try again', 'google-code-rejected');
  }
  // 401 invalid_client is a deployment mistake (wrong client id or secret), not the user's: fail loudly.
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const parsed = tokenResponseSchema.safeParse(await response.json());
  if (!parsed.success) throw new Error('token endpoint answered without an id_token');
  return parsed.data.id_token;
}

/** Verifies the ID token against the provider's published keys: signature, issuer, audience, expiry, nonce. */
export async function verifyIdToken(
  config: OidcClientConfig,
  idToken: string,
  expectedNonce: string,
): Promise<VerifiedIdentity> {
  const discovery = await discover(config.issuer);
  // Google documents both spellings of its issuer in ID tokens.
  const issuers =
    discovery.issuer === 'https://accounts.google.com' ? [discovery.issuer, 'accounts.google.com'] : [discovery.issuer];
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(discovery.jwks_uri), {
      issuer: issuers,
      audience: config.clientId,
      algorithms: ['RS256', 'ES256'],
      clockTolerance: ID_TOKEN_CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
      throw new Unauthorized('Google sign-in could not be verified; try again', 'google-token-invalid');
    }
    throw error;
  }
  const claims = idTokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw new Unauthorized('Google sign-in could not be verified', 'google-token-invalid');
  if (!sameSecret(claims.data.nonce, expectedNonce)) {
    throw new Unauthorized('Google sign-in could not be verified (replayed response)', 'google-nonce-mismatch');
  }
  // With several audiences, azp names the client the token was issued to (OIDC Core §3.1.3.7).
  if (claims.data.azp !== undefined && claims.data.azp !== config.clientId) {
    throw new Unauthorized('Google sign-in was issued to another application', 'google-token-invalid');
  }
  const picture = claims.data.picture && /^https:\/\//.test(claims.data.picture) ? claims.data.picture : undefined;
  return {
    issuer: discovery.issuer,
    subject: claims.data.sub,
    name: claims.data.name,
    email: claims.data.email,
    emailVerified: claims.data.email_verified === true,
    picture,
  };
}

/** The whole callback: code → ID token → verified identity. */
export async function completeSignIn(
  config: OidcClientConfig,
  code: string,
  flow: { nonce: string; verifier: string },
): Promise<VerifiedIdentity> {
  const idToken = await exchangeCode(config, code, flow.verifier);
  return verifyIdToken(config, idToken, flow.nonce);
}
