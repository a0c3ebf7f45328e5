import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { resetAuthKeysCache, type AuthKeys } from '../../../functions/auth/keys';
import { issueAccessToken, issueRoomTicket } from '../../../functions/auth/tickets';
import { handler } from '../../../functions/auth/ws-authorizer';
import { logger } from '../../../functions/shared/logger';
import { socketProtocols } from '../../../functions/shared/protocol/socket-credential';
import {
  freshKeys,
  hs256WithPublicKey,
  ISSUER,
  nowSeconds,
  otherPrivateKey,
  signWith,
  ticketClaims,
  unsignedToken,
} from './forge';

const PAGE = 'https://meet.example.com';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/peerjs/$connect';
const secretsMock = mockClient(SecretsManagerClient);

/** A `$connect` event exactly as API Gateway passes it on. */
function rawConnectEvent(
  query: Record<string, string> | null,
  headers: Record<string, string>,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers,
    queryStringParameters: query,
    requestContext: { connectionId: 'conn-1', routeKey: '$connect', eventType: 'CONNECT' },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/**
 * A `$connect` event as the browser causes it: `token` is the credential it offers as a subprotocol
 * (Sec-WebSocket-Protocol), the rest is the query string.
 */
function connectEvent(
  query: (Record<string, string> & { token?: string }) | null,
  headers: Record<string, string> = { Origin: PAGE },
): APIGatewayRequestAuthorizerEvent {
  const { token, ...rest } = query ?? {};
  const protocol: Record<string, string> =
    token === undefined ? {} : { 'Sec-WebSocket-Protocol': socketProtocols(token).join(', ') };
  return rawConnectEvent(query === null ? null : rest, { ...headers, ...protocol });
}

const peerQuery = (token: string, id = ticketClaims.peerId) => ({ key: 'connectnow', id, token });

describe('$connect authorizer', () => {
  let keys: AuthKeys;
  let logged: string;
  const env = { ...process.env };

  beforeAll(async () => {
    let secret: string;
    ({ keys, secret } = await freshKeys());
    process.env.PUBLIC_URL = ISSUER;
    process.env.ALLOWED_ORIGINS = `${PAGE},http://localhost:8080`;
    process.env.AUTH_KEYS_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-keys';
    process.env.AWS_REGION = 'us-east-1';
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secret });
    resetAuthKeysCache();
  });
  afterAll(() => {
    process.env = env;
    secretsMock.restore();
  });
  beforeEach(() => {
    // Test runs silence the handlers' logger (test/support/quiet-logs.ts); these tests read what it would write.
    logger.setLogLevel('INFO');
    logged = '';
    // Powertools writes info to stdout and warnings to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged += String(chunk);
        return true;
      });
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
    logger.setLogLevel('SILENT');
  });

  const ticket = (over: Partial<typeof ticketClaims> | { role: string } = {}) =>
    issueRoomTicket({ ...ticketClaims, ...over } as typeof ticketClaims);

  it('allows a valid ticket on the PeerJS socket with the context the handlers read', async () => {
    const result = await handler(connectEvent(peerQuery(await ticket())));
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN },
    ]);
    expect(result.principalId).toBe(ticketClaims.sub);
    expect(result.context).toEqual({ ...ticketClaims, kind: 'peer' });
  });

  it('allows a valid ticket on the room socket (no key) as kind "room", lobby included', async () => {
    const result = await handler(connectEvent({ token: await ticket({ role: 'lobby' }) }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.context).toEqual({ ...ticketClaims, role: 'lobby', kind: 'room' });
  });

  it('accepts the Origin header in any letter case', async () => {
    const result = await handler(connectEvent(peerQuery(await ticket()), { origin: 'http://localhost:8080' }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it('reads the credential from a lower-case sec-websocket-protocol header too', async () => {
    const token = await ticket();
    const result = await handler(
      rawConnectEvent(
        { key: 'connectnow', id: ticketClaims.peerId },
        { Origin: PAGE, 'sec-websocket-protocol': socketProtocols(token).join(',') },
      ),
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it('answers 401 for a credential in the URL (access logs keep URLs), alone or next to a good header', async () => {
    const token = await ticket();
    const peer = { key: 'connectnow', id: ticketClaims.peerId };
    const header = { Origin: PAGE, 'Sec-WebSocket-Protocol': socketProtocols(token).join(', ') };
    await expect(handler(rawConnectEvent({ ...peer, token }, { Origin: PAGE }))).rejects.toThrow('Unauthorized');
    await expect(handler(rawConnectEvent({ ...peer, token }, header))).rejects.toThrow('Unauthorized');
    await expect(handler(rawConnectEvent({ ticket: token }, header))).rejects.toThrow('Unauthorized');
    expect(logged).toContain('credential-in-url');
    expect(logged).not.toContain(token.split('.')[2]);
  });

  it.each([
    ['without our protocol', (t: string) => `cn-credential.${t}`],
    ['with two credentials', (t: string) => `connect-now.v1, cn-credential.${t}, cn-credential.${t}`],
    ['with only the protocol', () => 'connect-now.v1'],
    ['with a bare token', (t: string) => t],
  ])('answers 401 for a Sec-WebSocket-Protocol header %s', async (_label, value) => {
    const token = await ticket();
    const event = rawConnectEvent(
      { key: 'connectnow', id: ticketClaims.peerId },
      { Origin: PAGE, 'Sec-WebSocket-Protocol': value(token) },
    );
    await expect(handler(event)).rejects.toThrow('Unauthorized');
  });

  it('answers 401 without a token', async () => {
    await expect(handler(connectEvent({ key: 'connectnow', id: 'peer-1' }))).rejects.toThrow('Unauthorized');
    await expect(handler(connectEvent(null))).rejects.toThrow('Unauthorized');
  });

  it('answers 401 for a forged signature, alg:none, HS256 with the public key, and an expired ticket', async () => {
    const payload = { ...ticketClaims, iss: ISSUER, aud: 'connect-now:ws', iat: nowSeconds(), exp: nowSeconds() + 60 };
    const forged = [
      await signWith(await otherPrivateKey(), { kid: keys.kid, typ: 'room-ticket+jwt' }, payload),
      unsignedToken(payload, 'room-ticket+jwt'),
      ...(await hs256WithPublicKey(keys, payload, 'room-ticket+jwt')),
      await signWith(
        keys.privateKey,
        { kid: keys.kid, typ: 'room-ticket+jwt' },
        { ...payload, iat: nowSeconds() - 400, exp: nowSeconds() - 60 },
      ),
    ];
    for (const token of forged) {
      await expect(handler(connectEvent(peerQuery(token)))).rejects.toThrow('Unauthorized');
      await expect(handler(connectEvent({ token }))).rejects.toThrow('Unauthorized');
    }
  });

  it('answers 401 for an access token presented as a room ticket', async () => {
    const access = await issueAccessToken({ sub: 'user-1', name: 'Ann', kind: 'guest' });
    await expect(handler(connectEvent(peerQuery(access)))).rejects.toThrow('Unauthorized');
  });

  it.each([
    ['another site', { Origin: 'https://evil.example' }],
    ['a look-alike suffix', { Origin: 'https://meet.example.com.evil.example' }],
    ['a path appended', { Origin: 'https://meet.example.com/x' }],
    ['the null origin', { Origin: 'null' }],
    ['no origin at all', {} as Record<string, string>],
  ])('denies (403) a valid ticket from %s', async (_label, headers) => {
    const result = await handler(connectEvent(peerQuery(await ticket()), headers));
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN },
    ]);
    expect(result.context).toBeUndefined();
  });

  it('denies a PeerJS id that is not the ticket peerId, or missing', async () => {
    const token = await ticket();
    const other = await handler(connectEvent(peerQuery(token, 'someone-elses-peer')));
    expect(other.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    const missing = await handler(connectEvent({ key: 'connectnow', token }));
    expect(missing.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('denies an id on the room socket that is not the ticket peerId', async () => {
    const result = await handler(connectEvent({ token: await ticket(), id: 'someone-elses-peer' }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('denies a lobby ticket on the PeerJS socket', async () => {
    const result = await handler(connectEvent(peerQuery(await ticket({ role: 'lobby' }))));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('never writes the ticket to the log, allowed or refused', async () => {
    const good = await ticket();
    await handler(connectEvent(peerQuery(good)));
    await handler(connectEvent(peerQuery(good), { Origin: 'https://evil.example' }));
    const expired = await signWith(
      keys.privateKey,
      { kid: keys.kid, typ: 'room-ticket+jwt' },
      { ...ticketClaims, iss: ISSUER, aud: 'connect-now:ws', iat: nowSeconds() - 400, exp: nowSeconds() - 60 },
    );
    await expect(handler(connectEvent(peerQuery(expired)))).rejects.toThrow('Unauthorized');
    expect(logged).toContain('socket authorized');
    expect(logged).toContain('socket refused');
    expect(logged).not.toContain(good);
    expect(logged).not.toContain(good.split('.')[2]);
    expect(logged).not.toContain(expired.split('.')[2]);
  });

  describe('user socket (scope=user: the Recordings page listening for its owner)', () => {
    const access = () => issueAccessToken({ sub: 'user-1', name: 'Ann', kind: 'guest' });

    it('allows an access token as kind "user" under the synthetic room user:{sub}, with no peer id', async () => {
      const result = await handler(connectEvent({ scope: 'user', token: await access() }));
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
      expect(result.principalId).toBe('user-1');
      expect(result.context).toEqual({
        sub: 'user-1',
        name: 'Ann',
        roomId: 'user:user-1',
        peerId: '',
        role: 'member',
        kind: 'user',
        account: 'guest',
      });
    });

    it('answers 401 for a room ticket presented as a user socket token', async () => {
      await expect(handler(connectEvent({ scope: 'user', token: await ticket() }))).rejects.toThrow('Unauthorized');
    });

    it('answers 401 for an access token without scope=user (room socket) or with a PeerJS key', async () => {
      const token = await access();
      await expect(handler(connectEvent({ token }))).rejects.toThrow('Unauthorized');
      await expect(handler(connectEvent({ scope: 'user', key: 'connectnow', id: 'x', token }))).rejects.toThrow(
        'Unauthorized',
      );
    });

    it('answers 401 for a forged or expired access token', async () => {
      const payload = { sub: 'user-1', name: 'Ann', kind: 'guest', iss: ISSUER, aud: 'connect-now' };
      const forged = [
        await signWith(
          await otherPrivateKey(),
          { kid: keys.kid, typ: 'at+jwt' },
          {
            ...payload,
            iat: nowSeconds(),
            exp: nowSeconds() + 60,
          },
        ),
        unsignedToken({ ...payload, iat: nowSeconds(), exp: nowSeconds() + 60 }, 'at+jwt'),
        await signWith(
          keys.privateKey,
          { kid: keys.kid, typ: 'at+jwt' },
          {
            ...payload,
            iat: nowSeconds() - 1000,
            exp: nowSeconds() - 60,
          },
        ),
      ];
      for (const token of forged) {
        await expect(handler(connectEvent({ scope: 'user', token }))).rejects.toThrow('Unauthorized');
      }
    });

    it('denies (403) a valid access token from another site', async () => {
      const result = await handler(
        connectEvent({ scope: 'user', token: await access() }, { Origin: 'https://evil.example' }),
      );
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
      expect(result.context).toBeUndefined();
    });
  });

  it('fails loudly (not as a 401) when the signing keys cannot be read', async () => {
    resetAuthKeysCache();
    secretsMock.reset();
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const token = 'eyJhbGciOiJFUzI1NiJ9.e30.sig';
    await expect(handler(connectEvent(peerQuery(token)))).rejects.toThrow('throttled');
  });
});
