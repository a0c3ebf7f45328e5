import './env';
import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { HttpEvent } from '../../../functions/shared/http';
import { createRouter } from '../../../functions/api/router';
import { generateAuthKeySecret, resetAuthKeysCache } from '../../../functions/auth/keys';
import { issueAccessToken } from '../../../functions/auth/tickets';
import { iceRoutes, resetIceConfigCache } from '../../../functions/signaling/ice';
import {
  TURN_CREDENTIAL_TTL_SECONDS,
  parseStaticIceServers,
  parseTurnUrls,
  turnCredentials,
} from '../../../functions/signaling/ice-servers';

const AUTH_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:auth';
const TURN_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:turn';

function get(path: string, token?: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requestContext: { http: { method: 'GET', path, sourceIp: '127.0.0.1' }, requestId: 'r1' },
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

describe('GET /api/ice', () => {
  const secrets = mockClient(SecretsManagerClient);
  const route = createRouter(iceRoutes);
  let token: string;

  beforeAll(async () => {
    process.env.PUBLIC_URL = 'http://localhost:18083';
    process.env.AUTH_KEYS_SECRET_ARN = AUTH_ARN;
    const authSecret = await generateAuthKeySecret();
    secrets.on(GetSecretValueCommand, { SecretId: AUTH_ARN }).resolves({ SecretString: authSecret });
    secrets.on(GetSecretValueCommand, { SecretId: TURN_ARN }).resolves({ SecretString: '{"secret":"s3cret"}' });
    resetAuthKeysCache();
    token = await issueAccessToken({ sub: 'u-alice', name: 'Alice', kind: 'guest' });
  });
  beforeEach(() => {
    resetIceConfigCache();
    delete process.env.ICE_SERVERS_JSON;
    delete process.env.TURN_SECRET_ARN;
    delete process.env.TURN_URLS;
  });
  afterAll(() => secrets.restore());

  it('returns no ICE servers by default (a laptop or one LAN needs none; never the PeerJS public ones)', async () => {
    const res = await route(get('/api/ice', token));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ iceServers: [] });
  });

  it('returns the configured STUN servers plus TURN credentials that a TURN server can verify', async () => {
    process.env.ICE_SERVERS_JSON = '[{"urls":"stun:stun.example.com:3478"}]';
    process.env.TURN_SECRET_ARN = TURN_ARN;
    process.env.TURN_URLS = 'turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349';
    const before = Math.floor(Date.now() / 1000);
    const { iceServers } = JSON.parse((await route(get('/api/ice', token))).body!);
    expect(iceServers[0]).toEqual({ urls: 'stun:stun.example.com:3478' });
    const turn = iceServers[1];
    expect(turn.urls).toEqual(['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349']);
    const [expiry, sub] = turn.username.split(':');
    expect(sub).toBe('u-alice');
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(TURN_CREDENTIAL_TTL_SECONDS);
    // What coturn does with use-auth-secret: HMAC-SHA1 of the username with the shared secret, base64.
    expect(turn.credential).toBe(createHmac('sha1', 's3cret').update(turn.username).digest('base64'));
  });

  it('refuses callers without a valid access token (TURN relays cost money)', async () => {
    expect((await route(get('/api/ice'))).statusCode).toBe(401);
    expect((await route(get('/api/ice', `${token}x`))).statusCode).toBe(401);
  });
});

describe('ICE configuration parsing', () => {
  it('refuses PeerJS public servers and non-ICE URLs with a message naming the variable', () => {
    expect(() => parseStaticIceServers('[{"urls":"turn:0.peerjs.com:3478"}]')).toThrow(/ICE_SERVERS_JSON.*PeerJS/s);
    expect(() => parseStaticIceServers('[{"urls":"https://example.com"}]')).toThrow(/ICE_SERVERS_JSON/);
    expect(() => parseStaticIceServers('not json')).toThrow(/ICE_SERVERS_JSON is not JSON/);
    expect(() => parseTurnUrls('stun:stun.example.com')).toThrow(/TURN_URLS/);
  });

  it('keeps a ":" in the identity from forging another expiry', () => {
    const { username } = turnCredentials('k', 'evil:9999999999', 1000, 60);
    expect(username).toBe('1060:evil_9999999999');
  });
});
