import { ApiClient } from '../../../../frontend/src/api/client';
import type { RuntimeConfig } from '../../../../frontend/src/config';

// The client resolves API paths against the page origin; this test runs in Node, where there is no page.
beforeAll(() => {
  Object.defineProperty(globalThis, 'location', { value: { origin: 'https://app.test' }, configurable: true });
});
afterAll(() => {
  Reflect.deleteProperty(globalThis, 'location');
});

const config = { apiBase: 'https://app.test/api' } as unknown as RuntimeConfig;

function clientAnswering(status: number) {
  const calls: { url: string; method?: string; credentials?: string }[] = [];
  const fetchImpl = ((url: string, init: RequestInit = {}) => {
    calls.push({ url: String(url), method: init.method, credentials: init.credentials });
    if (String(url).endsWith('/api/sessions/refresh')) {
      return Promise.resolve(
        new Response(
          JSON.stringify({ signedIn: true, accessToken: 'tok', user: { sub: 'u1', name: 'Ann', kind: 'google' } }),
          {
            status: 200,
          },
        ),
      );
    }
    return Promise.resolve(new Response(null, { status }));
  }) as typeof fetch;
  return { api: new ApiClient(config, fetchImpl), calls };
}

describe('ApiClient.signOut', () => {
  it('ends the server session with the cookie and forgets the signed-in user', async () => {
    const { api, calls } = clientAnswering(204);
    await api.refresh();
    expect(api.signedIn).toBe(true);
    await api.signOut();
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', credentials: 'include' });
    expect(calls.at(-1)!.url).toMatch(/\/api\/sessions$/);
    expect(api.signedIn).toBe(false);
    expect(api.currentUser).toBeNull();
  });

  it('still forgets the user here when the server refuses, and says so', async () => {
    const { api } = clientAnswering(500);
    await api.refresh();
    await expect(api.signOut()).rejects.toThrow('Sign-out did not complete');
    expect(api.signedIn).toBe(false);
  });
});
