import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud } from '../../../local/cloud';
import { PEER_PING_INTERVAL_MS } from '../../../functions/signaling/heartbeat';
import { callsOf, recorder } from './support/recorder';
import { startTestCloud, type TestCloud } from './support/test-cloud';

/* The HTTP API (payload format 2.0) emulation and /healthz, with a recording stand-in behind /api. */
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
}, 120_000);

afterAll(async () => {
  await cloud.dispose();
});

beforeEach(() => {
  recorder().calls.length = 0;
  recorder().behaviors = {};
});

describe('HTTP API payload format 2.0', () => {
  it('builds the v2 event: raw path and query, lower-cased headers, cookies split out, text body', async () => {
    const res = await fetch(`${cloud.url}/api/rooms/r-1/join?x=1&x=2&y=%20z`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Custom': 'A',
        Cookie: 'cn_refresh=abc; theme=dark',
        'X-Forwarded-For': '6.6.6.6',
      },
      body: JSON.stringify({ name: 'Zoë' }),
    });
    expect(res.status).toBe(200);
    const [call] = callsOf('HttpApi');
    expect(call!.event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /api/{proxy+}',
      rawPath: '/api/rooms/r-1/join',
      rawQueryString: 'x=1&x=2&y=%20z',
      queryStringParameters: { x: '1,2', y: ' z' },
      cookies: ['cn_refresh=abc', 'theme=dark'],
      pathParameters: { proxy: 'rooms/r-1/join' },
      body: JSON.stringify({ name: 'Zoë' }),
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/api/rooms/r-1/join', sourceIp: '127.0.0.1' },
        stage: '$default',
        domainName: new URL(cloud.url).host,
      },
    });
    expect(call!.event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-custom': 'A',
      'x-forwarded-for': '127.0.0.1', // set by the gateway, never taken from the client
    });
    expect(call!.event.headers.cookie).toBeUndefined();
    expect(call!.event.requestContext.timeEpoch).toEqual(expect.any(Number));
  });

  it('base64-encodes binary request bodies', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await fetch(`${cloud.url}/api/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const [call] = callsOf('HttpApi');
    expect(call!.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(call!.event.body, 'base64')).toEqual(bytes);
  });

  it('maps the result: status, headers, cookies as separate Set-Cookie headers, base64 bodies decoded', async () => {
    recorder().behaviors.HttpApi = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Trace': 't-1' },
      cookies: ['a=1; HttpOnly', 'b=2; Secure'],
      body: Buffer.from([137, 80, 78, 71]).toString('base64'),
      isBase64Encoded: true,
    });
    const res = await fetch(`${cloud.url}/api/thing`);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-trace')).toBe('t-1');
    expect(res.headers.getSetCookie()).toEqual(['a=1; HttpOnly', 'b=2; Secure']);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([137, 80, 78, 71]));
  });

  it('turns a result without statusCode into a 200 JSON body, as API Gateway infers it', async () => {
    recorder().behaviors.HttpApi = () => ({ hello: 'world' });
    const res = await fetch(`${cloud.url}/api/infer`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('answers 500 Internal Server Error when the function throws, without leaking the error', async () => {
    // The detail goes to the person running the cloud only (and stays out of a green run's output).
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    recorder().behaviors.HttpApi = () => {
      throw new Error('secret detail');
    };
    const res = await fetch(`${cloud.url}/api/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toContain('secret detail');
    expect(errors.mock.calls.flat().join('\n')).toMatch(/GET \/api\/boom: Error: secret detail/);
    errors.mockRestore();
  });

  it('refuses bodies over the 10 MB payload quota with 413 before invoking the function', async () => {
    const res = await fetch(`${cloud.url}/api/big`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(callsOf('HttpApi')).toHaveLength(0);
  });
});

describe('gateway', () => {
  it('serves /config.json with the socket on the page’s own origin, so localhost and 127.0.0.1 both work', async () => {
    const res = await fetch(`${cloud.url}/config.json`);
    expect(await res.json()).toEqual({
      apiBase: '/api',
      wsUrl: '/peerjs',
      peer: { path: '/', key: 'peerjs', pingInterval: PEER_PING_INTERVAL_MS },
      maxParticipants: 8,
    });
  });

  it('applies the security headers and serves a shell (not a 404) for SPA paths when no bundle was built', async () => {
    const res = await fetch(`${cloud.url}/r/some-room`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('/healthz');
    expect((await fetch(`${cloud.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${cloud.url}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('shows only part statuses on /healthz: no ports, paths or timings unless asked with ?detail=1', async () => {
    const res = await fetch(`${cloud.url}/healthz`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const health = JSON.parse(text);
    expect(health).toEqual({ ok: true, parts: expect.objectContaining({ dynamodb: 'up', s3: 'up', gateway: 'up' }) });
    expect(text).not.toContain(cloud.dataDir);
    for (const endpoint of [cloud.env.AWS_ENDPOINT_URL_S3!, cloud.env.AWS_ENDPOINT_URL_DYNAMODB!]) {
      expect(text).not.toContain(new URL(endpoint).port);
    }
  });

  it('reports every part with its stand-in and port on /healthz?detail=1 (asked from this machine)', async () => {
    const res = await fetch(`${cloud.url}/healthz?detail=1`);
    expect(res.status).toBe(200);
    const health = await res.json();
    expect(health.ok).toBe(true);
    for (const part of [
      'gateway',
      'websocket',
      'http api',
      'dynamodb',
      's3',
      'sqs',
      'postgres',
      'redis',
      'secrets',
      'lambda-invoke',
    ]) {
      expect(health.parts[part]).toMatchObject({ status: 'up', required: true, servedBy: expect.any(String) });
    }
    expect(health.parts.dynamodb.servedBy).toContain('dynalite');
    expect(health.parts.s3.servedBy).toContain('s3rver');
    expect(health.parts.sqs.servedBy).toContain('fauxqs');
    expect(health.parts.postgres.servedBy).toContain('pglite');
    expect(health.parts.redis.servedBy).toContain('in-process');
    expect(health.parts.worker).toMatchObject({ status: 'disabled', required: false });
    expect(health.parts.frontend).toMatchObject({ status: 'missing', required: false });
    expect(health.migrations.applied.length + health.migrations.alreadyApplied.length).toBeGreaterThan(0);
  });
});

describe('start-up refusals', () => {
  it('says how to get going when the port is taken', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cn-port-'));
    try {
      await expect(startLocalCloud({ port: cloud.port, dataDir, quiet: true, worker: false })).rejects.toThrow(
        `Port ${cloud.port} is in use — stop the other process or run PORT=${cloud.port + 1} npm start`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data folder another cloud is using (PGlite would be corrupted)', async () => {
    await expect(startLocalCloud({ port: 0, dataDir: cloud.dataDir, quiet: true, worker: false })).rejects.toThrow(
      /data folder .* is in use by process \d+/,
    );
    expect((await fetch(`${cloud.url}/healthz`)).status).toBe(200);
  });
});
