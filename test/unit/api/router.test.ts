import { createRouter } from '../../../functions/api/router';
import type { HttpEvent } from '../../../functions/shared/http';
import { json } from '../../../functions/shared/http';

const event = (method: string, rawPath: string) =>
  ({ rawPath, requestContext: { http: { method } }, headers: {} }) as unknown as HttpEvent;

describe('API router', () => {
  const seen: string[] = [];
  const route = createRouter([
    {
      method: 'GET',
      path: '/api/rooms/{id}',
      handle: async ({ params }) => {
        seen.push(params.id!);
        return json(200, { id: params.id });
      },
    },
  ]);

  it('decodes path parameters', async () => {
    expect((await route(event('GET', '/api/rooms/a%20b'))).statusCode).toBe(200);
    expect(seen).toContain('a b');
  });

  it.each(['%E0%A4%A', '%zz', '%', '%C0%AF'])('answers 400 (not a crash) for the malformed escape %s', async (bad) => {
    const result = await route(event('GET', `/api/rooms/${bad}`));
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { code: 'bad-path' } });
  });
});
