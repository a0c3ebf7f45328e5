import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { startTestCloud, standInHandlers, type TestCloud } from './support/test-cloud';
import { refusedStatus } from './support/ws-client';
import { databaseUrl, POSTGRES_ADMIN_URL } from '../../support/postgres';

/*
 * A feature that is not written yet must not take the rest down: clear 501s and a /healthz entry. This cloud also
 * runs on this machine's real PostgreSQL (a throw-away database) and real Redis instead of the embedded ones, and
 * builds and serves the real frontend bundle.
 */
const REDIS_URL = 'redis://127.0.0.1:6379';
const database = `cn_local_${randomBytes(5).toString('hex')}`;
const nowhere = join(__dirname, 'support', 'no-such-module.ts');
let cloud: TestCloud;

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  cloud = await startTestCloud({
    handlers: standInHandlers({ HttpApi: nowhere, WsConnect: nowhere }),
    databaseUrl: databaseUrl(database),
    redisUrl: REDIS_URL,
    buildFrontend: true,
  });
}, 120_000);

afterAll(async () => {
  await cloud?.dispose();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

it('answers 501 naming the missing module on /api and on the WebSocket upgrade', async () => {
  const res = await fetch(`${cloud.url}/api/rooms`);
  expect(res.status).toBe(501);
  expect((await res.json()).message).toContain('no-such-module.ts');
  expect(await refusedStatus(`${cloud.url.replace('http', 'ws')}/peerjs`, 't')).toBe(501);
});

it('reports the missing handlers on /healthz with 503 while the stand-ins stay up', async () => {
  const res = await fetch(`${cloud.url}/healthz?detail=1`);
  expect(res.status).toBe(503);
  const health = await res.json();
  expect(health.ok).toBe(false);
  expect(health.parts['http api'].status).toBe('missing');
  expect(health.parts.websocket).toMatchObject({ status: 'missing', detail: expect.stringContaining('WsConnect') });
  expect(health.functions.HttpApi.status).toBe('missing');
  expect(health.parts.dynamodb.status).toBe('up');
});

it('says which real services it uses: PostgreSQL at DATABASE_URL (migrated) and Redis at REDIS_URL', async () => {
  const health = await (await fetch(`${cloud.url}/healthz?detail=1`)).json();
  expect(health.parts.postgres).toMatchObject({ status: 'up', servedBy: 'postgres (DATABASE_URL)' });
  expect(health.parts.redis).toMatchObject({ status: 'up', servedBy: `redis at ${REDIS_URL}` });
  expect(cloud.env.REDIS_URL).toBe(REDIS_URL);
  const client = new Client({ connectionString: databaseUrl(database) });
  await client.connect();
  const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
  await client.end();
  expect(rows.map((r) => r.version)).toEqual(health.migrations.applied);
  expect(rows.length).toBeGreaterThan(0);
});

it('builds the frontend at start and serves it like CloudFront: SPA fallback, hashed assets cached forever', async () => {
  const page = await fetch(`${cloud.url}/r/abcd-efgh`);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const html = await page.text();
  const script = /src="(\/assets\/app-[A-Za-z0-9]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const asset = await fetch(`${cloud.url}${script}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toContain('javascript');
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  const health = await (await fetch(`${cloud.url}/healthz?detail=1`)).json();
  expect(health.parts.frontend.status).toBe('up');
});
