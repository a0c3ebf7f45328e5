import { join } from 'node:path';
import { startTestCloud, standInHandlers, type TestCloud } from './support/test-cloud';
import { refusedStatus } from './support/ws-client';

/* A feature that is not written yet must not take the rest down: clear 501s and a /healthz entry. */
let cloud: TestCloud;
const nowhere = join(__dirname, 'support', 'no-such-module.ts');

beforeAll(async () => {
  cloud = await startTestCloud({ handlers: standInHandlers({ HttpApi: nowhere, WsConnect: nowhere }) });
}, 120_000);

afterAll(async () => {
  await cloud.dispose();
});

it('answers 501 naming the missing module on /api and on the WebSocket upgrade', async () => {
  const res = await fetch(`${cloud.url}/api/rooms`);
  expect(res.status).toBe(501);
  expect((await res.json()).message).toContain('no-such-module.ts');
  expect(await refusedStatus(`${cloud.url.replace('http', 'ws')}/peerjs?token=t`)).toBe(501);
});

it('reports the missing handlers on /healthz with 503 while the stand-ins stay up', async () => {
  const res = await fetch(`${cloud.url}/healthz`);
  expect(res.status).toBe(503);
  const health = await res.json();
  expect(health.ok).toBe(false);
  expect(health.parts['http api'].status).toBe('missing');
  expect(health.parts.websocket).toMatchObject({ status: 'missing', detail: expect.stringContaining('WsConnect') });
  expect(health.functions.HttpApi.status).toBe('missing');
  expect(health.parts.dynamodb.status).toBe('up');
  expect(health.parts.postgres.status).toBe('up');
});
