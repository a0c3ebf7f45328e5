import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/*
 * A small OpenID Connect provider for tests, shaped like Google's: discovery, JWKS, authorization endpoint
 * (auto-consents as `user`) and token endpoint (authorization code + PKCE S256, client_secret_post). It checks
 * what a real provider checks, so the client code under test meets real refusals instead of mocks.
 */

export interface OidcUser {
  sub: string;
  name?: string;
  email?: string;
  picture?: string;
}

/** Ways to make the next ID token wrong, one attack at a time. */
export interface IdTokenTamper {
  nonce?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an already expired token. */
  expiresIn?: number;
  /** Sign with a key that is not in the JWKS (kid of the published key kept). */
  foreignKey?: boolean;
  azp?: string;
}

export interface TokenRequestRecord {
  code: string;
  outcome: 'issued' | 'invalid_grant' | 'invalid_client' | 'pkce_mismatch' | 'invalid_request';
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  nonce?: string;
  challenge: string;
  user: OidcUser;
  expiresAt: number;
  used: boolean;
}

export interface OidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account the authorization endpoint signs in as (change between tests). */
  user: OidcUser;
  /** Applied to the next ID token only. */
  tamperNext(tamper: IdTokenTamper): void;
  tokenRequests: TokenRequestRecord[];
  /** Counts of requests per path, e.g. to see JWKS caching. */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: {
  clientId?: string;
  clientSecret?: string;
  redirectUris: string[];
}): Promise<OidcProvider> {
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  let tamper: IdTokenTamper | undefined;

  const provider: OidcProvider = {
    issuer: '',
    clientId: options.clientId ?? 'test-client.apps.example',
    clientSecret: options.clientSecret ?? randomBytes(16).toString('hex'),
    user: { sub: '1234567890', name: 'Test User', email: 'test@example.com' },
    tamperNext: (t) => (tamper = t),
    tokenRequests: [],
    hits: new Map(),
    stop: () =>
      new Promise((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections(); // undici keeps sockets alive; close would wait for them
      }),
  };

  async function idToken(pending: PendingCode): Promise<string> {
    const t = tamper ?? {};
    tamper = undefined;
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      ...pending.user,
      email_verified: true,
      nonce: t.nonce ?? pending.nonce,
      azp: t.azp ?? pending.clientId,
      iat: now,
      exp: now + (t.expiresIn ?? 3600),
    };
    if (t.expiresIn !== undefined && t.expiresIn < 0) payload.iat = now + t.expiresIn - 3600;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(t.issuer ?? provider.issuer)
      .setAudience(t.audience ?? pending.clientId)
      .sign(t.foreignKey ? foreign.privateKey : privateKey);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  function authorize(url: URL, res: ServerResponse) {
    const q = url.searchParams;
    const clientId = q.get('client_id');
    const redirectUri = q.get('redirect_uri') ?? '';
    // Never redirect to an unregistered URI: that is how codes get stolen.
    if (clientId !== provider.clientId || !options.redirectUris.includes(redirectUri)) {
      return send(res, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
    }
    const back = new URL(redirectUri);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    const challenge = q.get('code_challenge');
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !challenge) {
      back.searchParams.set('error', 'invalid_request');
    } else if (!(q.get('scope') ?? '').split(' ').includes('openid')) {
      back.searchParams.set('error', 'invalid_scope');
    } else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, {
        clientId,
        redirectUri,
        nonce: q.get('nonce') ?? undefined,
        challenge,
        user: { ...provider.user },
        expiresAt: Date.now() + 60_000,
        used: false,
      });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    const form = await readForm(req);
    const code = form.get('code') ?? '';
    const record = (outcome: TokenRequestRecord['outcome']) => provider.tokenRequests.push({ code, outcome });
    if (form.get('grant_type') !== 'authorization_code') {
      record('invalid_request');
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    if (form.get('client_id') !== provider.clientId || form.get('client_secret') !== provider.clientSecret) {
      record('invalid_client');
      return send(res, 401, { error: 'invalid_client' });
    }
    const pending = codes.get(code);
    if (
      !pending ||
      pending.used ||
      pending.expiresAt < Date.now() ||
      pending.redirectUri !== form.get('redirect_uri')
    ) {
      record('invalid_grant');
      return send(res, 400, { error: 'invalid_grant' });
    }
    pending.used = true; // one use only, whatever happens next (RFC 6749 §4.1.2)
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) {
      record('pkce_mismatch');
      return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    record('issued');
    send(res, 200, {
      access_token: randomBytes(16).toString('hex'),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid email profile',
      id_token: await idToken(pending),
    });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', provider.issuer);
    provider.hits.set(url.pathname, (provider.hits.get(url.pathname) ?? 0) + 1);
    const route = `${req.method} ${url.pathname}`;
    const done = (p: Promise<void> | void) =>
      Promise.resolve(p).catch((error: unknown) => send(res, 500, { error: 'server_error', message: String(error) }));
    switch (route) {
      case 'GET /.well-known/openid-configuration':
        return send(res, 200, {
          issuer: provider.issuer,
          authorization_endpoint: `${provider.issuer}/authorize`,
          token_endpoint: `${provider.issuer}/token`,
          jwks_uri: `${provider.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        });
      case 'GET /jwks':
        return send(res, 200, { keys: [publicJwk] });
      case 'GET /authorize':
        return done(authorize(url, res));
      case 'POST /token':
        return done(token(req, res));
      default:
        return send(res, 404, { error: 'not_found' });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
