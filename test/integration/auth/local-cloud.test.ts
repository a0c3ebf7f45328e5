import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { issueRoomTicket, type RoomTicketClaims } from '../../../functions/auth/tickets';
import { RedisMembership } from '../../../functions/shared/membership';
import { issueMemberTicket } from '../../support/member-ticket';
import { SOCKET_PROTOCOL } from '../../../functions/shared/protocol/socket-credential';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';
import { openCredentialSocket, upgradeStatus } from '../../support/credential-socket';
import { startOidcProvider, type OidcProvider } from '../../support/oidc-provider';

/*
 * Identity through the whole local cloud: real HTTP to the gateway, the unchanged HttpApi and WsAuthorizer
 * handlers with their default wiring (Secrets Manager emulator for keys and the Google client secret, DataApiSql
 * over the Data API emulator), and a local OpenID provider standing in for Google.
 * PostgreSQL is this machine's (a random database): PGlite's wasm loader cannot run inside jest's VM.
 */
/** Set-Cookie values of a fetch response as name → value, expired ones removed. */
function collect(response: Response, jar: Map<string, string>): Map<string, string> {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    if (/max-age=0/i.test(line)) jar.delete(pair!.slice(0, eq));
    else jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return jar;
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Opens a socket as a browser would and resolves with the HTTP status of the upgrade (101 when accepted). */
const upgrade = (url: string, credential: string | undefined, origin: string | undefined) =>
  upgradeStatus(url, credential, { origin });

describe('identity through the local cloud (gateway, emulators, default wiring)', () => {
  let real: RealCloud;
  let cloud: LocalCloud;
  let provider: OidcProvider;
  const env = { ...process.env };
  const redirectUris: string[] = [];

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUris });
    process.env.GOOGLE_CLIENT_ID = provider.clientId;
    process.env.GOOGLE_ISSUER = provider.issuer;
    real = await startRealCloud('auth');
    cloud = real.cloud;
    redirectUris.push(`${cloud.url}/api/auth/google/callback`);
    // The client secret lives where CDK puts it in AWS: a Secrets Manager secret named by GOOGLE_CLIENT_SECRET_ARN.
    const client = new SecretsManagerClient({});
    const created = await client.send(
      new CreateSecretCommand({ Name: 'google-client-secret', SecretString: provider.clientSecret }),
    );
    client.destroy();
    process.env.GOOGLE_CLIENT_SECRET_ARN = created.ARN;
  }, 120_000);

  afterAll(async () => {
    await real?.stop();
    await provider?.stop();
    process.env = env;
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${cloud.url}${path}`, { redirect: 'manual', ...init });

  it('serves pages with the strict security headers', async () => {
    const response = await api('/config.json');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('permissions-policy')).toContain('camera=(self)');
  });

  it('signs a guest in over HTTP and keeps the session through the refresh cookie', async () => {
    const signIn = await api('/api/sessions/guest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: cloud.url },
      body: JSON.stringify({ name: "<script>alert('x')</script>" }),
    });
    expect(signIn.status).toBe(201);
    const refreshCookie = signIn.headers.getSetCookie().find((c) => c.startsWith('cn_refresh='))!;
    expect(refreshCookie).toMatch(/HttpOnly; Secure; SameSite=Strict/);
    const jar = collect(signIn, new Map());
    const body = (await signIn.json()) as { accessToken: string; user: { name: string } };
    expect(body.user.name).toBe("<script>alert('x')</script>");

    const refreshed = await api('/api/sessions/refresh', {
      method: 'POST',
      headers: { cookie: cookieHeader(jar), origin: cloud.url },
    });
    expect(refreshed.status).toBe(200);
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    const me = await api('/api/me', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe("<script>alert('x')</script>");

    const crossSite = await api('/api/sessions/refresh', {
      method: 'POST',
      headers: { cookie: cookieHeader(collect(refreshed, jar)), origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
  });

  it('completes Google sign-in through the gateway with the client secret from Secrets Manager', async () => {
    const start = await api('/api/auth/google/start?returnTo=%2Fr%2Fabc');
    expect(start.status).toBe(302);
    const jar = collect(start, new Map());
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    expect(callback.origin).toBe(cloud.url);
    const done = await api(`${callback.pathname}${callback.search}`, { headers: { cookie: cookieHeader(jar) } });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/r/abc');
    expect(provider.tokenRequests.at(-1)!.outcome).toBe('issued');
    collect(done, jar);
    const session = await api('/api/sessions/refresh', {
      method: 'POST',
      headers: { cookie: cookieHeader(jar), origin: cloud.url },
    });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { user: { kind: string; name: string } }).user).toMatchObject({
      kind: 'google',
      name: provider.user.name,
    });
  });

  describe('the $connect authorizer in front of both sockets', () => {
    const claims: RoomTicketClaims = {
      sub: 'u-1',
      name: 'Ann',
      roomId: 'room-auth-it',
      peerId: 'peer-auth-1',
      role: 'member',
      account: 'guest',
    };
    const socketUrl = (query: Record<string, string>) =>
      `ws://127.0.0.1:${cloud.port}/peerjs?${new URLSearchParams(query).toString()}`;

    it('accepts a valid ticket from our page on the PeerJS socket and on the room socket', async () => {
      const token = await issueMemberTicket(claims);
      const peer = await openCredentialSocket(
        socketUrl({ key: 'peerjs', id: claims.peerId, version: '1.5.5' }),
        token,
        {
          origin: cloud.url,
        },
      );
      // The handshake echoes the protocol only: the credential never comes back.
      expect(peer.protocol).toBe(SOCKET_PROTOCOL);
      peer.terminate();
      const roomTicket = await issueMemberTicket({ ...claims, peerId: 'peer-auth-2' });
      expect(await upgrade(socketUrl({}), roomTicket, cloud.url)).toBe(101);
    });

    it('answers 403 to a valid, unexpired ticket whose membership ended, on both sockets', async () => {
      const left = { ...claims, sub: 'u-left', peerId: 'peer-left' };
      const token = await issueMemberTicket(left);
      await new RedisMembership().revoke(left.roomId, left.sub); // left the meeting, or was removed
      expect(await upgrade(socketUrl({ key: 'peerjs', id: left.peerId }), token, cloud.url)).toBe(403);
      expect(await upgrade(socketUrl({}), token, cloud.url)).toBe(403);
    });

    it('answers 401 without a ticket or with a ticket that is not ours', async () => {
      expect(await upgrade(socketUrl({ key: 'peerjs', id: claims.peerId }), undefined, cloud.url)).toBe(401);
      const [h, p] = (await issueRoomTicket(claims)).split('.');
      const forged = `${h}.${p}.${randomBytes(64).toString('base64url')}`;
      expect(await upgrade(socketUrl({ key: 'peerjs', id: claims.peerId }), forged, cloud.url)).toBe(401);
    });

    it('refuses a ticket in the URL (access logs keep URLs), alone or next to a good header', async () => {
      const token = await issueRoomTicket(claims);
      expect(await upgrade(socketUrl({ key: 'peerjs', id: claims.peerId, token }), undefined, cloud.url)).toBe(401);
      expect(await upgrade(socketUrl({ token }), undefined, cloud.url)).toBe(401);
      expect(await upgrade(socketUrl({ key: 'peerjs', id: claims.peerId, token }), token, cloud.url)).toBe(401);
      expect(await upgrade(socketUrl({ ticket: token }), token, cloud.url)).toBe(401);
    });

    it('answers 403 for another site, a borrowed peer id, and a lobby ticket on the PeerJS socket', async () => {
      const token = await issueRoomTicket(claims);
      const peerUrl = socketUrl({ key: 'peerjs', id: claims.peerId });
      expect(await upgrade(peerUrl, token, 'https://evil.example')).toBe(403);
      expect(await upgrade(peerUrl, token, undefined)).toBe(403);
      expect(await upgrade(socketUrl({ key: 'peerjs', id: 'someone-else' }), token, cloud.url)).toBe(403);
      const lobby = await issueRoomTicket({ ...claims, role: 'lobby' });
      expect(await upgrade(peerUrl, lobby, cloud.url)).toBe(403);
    });
  });
});
