import { ApiClient } from '../../../../frontend/src/api/client';
import { resolveConfig } from '../../../../frontend/src/config';

const config = resolveConfig(
  { apiBase: '/api', wsUrl: '/peerjs', peer: { key: 'k', path: '/' }, maxParticipants: 8 },
  'https://meet.example/',
);

function answering(status: number, body: unknown) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string) => {
    calls.push(url);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { calls, client: new ApiClient(config, fetchImpl) };
}

beforeAll(() => {
  Object.defineProperty(globalThis, 'location', { value: new URL('https://meet.example/'), configurable: true });
});

describe('ApiClient.refresh', () => {
  it('reads 200 {signedIn:false} as "nobody signed in": false, no token, no error', async () => {
    const { client, calls } = answering(200, { signedIn: false });
    await expect(client.refresh()).resolves.toBe(false);
    expect(client.signedIn).toBe(false);
    expect(client.currentUser).toBeNull();
    expect(calls).toEqual(['https://meet.example/api/sessions/refresh']);
  });

  it('keeps the access token and user of a signed-in answer', async () => {
    const { client } = answering(200, { signedIn: true, accessToken: 'tok', user: { name: 'Ada', kind: 'guest' } });
    await expect(client.refresh()).resolves.toBe(true);
    expect(client.currentAccessToken()).toBe('tok');
    expect(client.currentUser?.name).toBe('Ada');
  });

  it('still treats a refused cookie (401) as signed out, and a server failure as an error', async () => {
    await expect(
      answering(401, { error: { code: 'session-reused', message: 'Sign in again' } }).client.refresh(),
    ).resolves.toBe(false);
    await expect(answering(500, { error: { code: 'internal', message: 'boom' } }).client.refresh()).rejects.toThrow(
      'boom',
    );
  });
});
