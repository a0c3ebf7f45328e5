import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createRouter } from '../../../functions/api/router';
import { recordingRoutes, setRecordingsServiceForTesting } from '../../../functions/recordings/routes';
import type { RecordingsService } from '../../../functions/recordings/recordings-service';
import { NotFound, Unauthorized } from '../../../functions/shared/errors';

/* The HTTP edge of the recordings routes: auth, ids, bodies and limits, over a stub service and stub tokens. */
jest.mock('../../../functions/auth/tickets', () => ({
  verifyAccessToken: async (token: string) => {
    if (token !== 'good') throw new Unauthorized();
    return { sub: 'guest:alice', name: 'Alice', kind: 'guest' };
  },
}));
jest.mock('../../../functions/shared/rate-limit', () => ({
  limits: { upload: { max: 30, windowSeconds: 3600 } },
  rateLimit: async () => undefined,
}));

const ID = '0b4a1c2e-8f3d-4e5a-9b6c-7d8e9f0a1b2c';
// Another user's recording: the service answers as for an unknown id.
const OTHERS = '1c5b2d3f-9a4e-4f6b-8c7d-8e9f0a1b2c3d';
const calls: unknown[][] = [];
const stub = {
  list: async (user: string) => {
    calls.push(['list', user]);
    return [];
  },
  saveSubtitles: async (...args: unknown[]) => {
    calls.push(['saveSubtitles', ...args]);
    return 2;
  },
  create: async (...args: unknown[]) => {
    calls.push(['create', ...args]);
    return { ok: true };
  },
  rename: async (user: string, id: string, title: string) => {
    calls.push(['rename', user, id, title]);
    if (id === OTHERS) throw new NotFound('No such recording');
    return { id, title };
  },
  remove: async (user: string, id: string) => {
    calls.push(['remove', user, id]);
    if (id === OTHERS) throw new NotFound('No such recording');
  },
} as unknown as RecordingsService;

const route = createRouter(recordingRoutes);

function event(method: string, path: string, body?: unknown, token = 'good'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requestContext: { http: { method, path, sourceIp: '127.0.0.1' }, requestId: 'r' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

beforeEach(() => {
  calls.length = 0;
  setRecordingsServiceForTesting(stub);
});

it('lists only the signed-in user’s recordings', async () => {
  const res = await route(event('GET', '/api/recordings'));
  expect(res.statusCode).toBe(200);
  expect(calls).toEqual([['list', 'guest:alice']]);
});

it('refuses requests without a valid token before touching the service', async () => {
  expect((await route(event('GET', '/api/recordings', undefined, ''))).statusCode).toBe(401);
  expect((await route(event('GET', '/api/recordings', undefined, 'forged'))).statusCode).toBe(401);
  expect(calls).toEqual([]);
});

it('refuses an id that is not a UUID', async () => {
  const res = await route(event('GET', '/api/recordings/..%2F..%2Fetc'));
  expect(res.statusCode).toBe(400);
  expect(JSON.parse(res.body as string).error.message).toBe('The recording id must be a UUID');
});

it('validates the create body with the shared schema', async () => {
  const res = await route(
    event('POST', '/api/recordings', { fileName: 'a.mp4', contentType: 'video/mp4', sizeBytes: -1 }),
  );
  expect(res.statusCode).toBe(400);
  expect(JSON.parse(res.body as string).error.details[0].path).toBe('sizeBytes');
  expect(calls).toEqual([]);
});

it('accepts an edited transcript above the general 64 KB body cap, and refuses one above 2 MB', async () => {
  const cues = Array.from({ length: 1500 }, (_, i) => ({ start: i, end: i + 1, text: `cue number ${i} `.repeat(4) }));
  const ok = await route(event('PUT', `/api/recordings/${ID}/subtitles`, { baseVersion: 1, cues }));
  expect(ok.statusCode).toBe(201);
  expect(calls[0]!.slice(0, 4)).toEqual(['saveSubtitles', 'guest:alice', ID, 1]);

  const huge = Array.from({ length: 9000 }, (_, i) => ({ start: i, end: i + 1, text: 'x'.repeat(199) }));
  expect(
    (await route(event('PUT', `/api/recordings/${ID}/subtitles`, { baseVersion: 1, cues: huge }))).statusCode,
  ).toBe(413);
});

it('refuses malformed JSON and cues that would break WebVTT', async () => {
  expect((await route(event('PUT', `/api/recordings/${ID}/subtitles`, '{oops'))).statusCode).toBe(400);
  const bad = { baseVersion: 1, cues: [{ start: 0, end: 1, text: 'a --> b' }] };
  expect((await route(event('PUT', `/api/recordings/${ID}/subtitles`, bad))).statusCode).toBe(400);
});

describe('rename (PATCH) and delete (DELETE)', () => {
  const errorOf = (res: { body?: string }) => JSON.parse(res.body as string).error.message as string;

  it('renames with the title trimmed, and answers with the recording', async () => {
    const res = await route(event('PATCH', `/api/recordings/${ID}`, { title: '  Weekly sync  ' }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({ recording: { id: ID, title: 'Weekly sync' } });
    expect(calls).toEqual([['rename', 'guest:alice', ID, 'Weekly sync']]);
  });

  it.each([
    [{ title: '' }, 'title: The title must not be empty'],
    [{ title: '   ' }, 'title: The title must not be empty'],
    [{ title: 'x'.repeat(121) }, 'title: The title is longer than 120 characters'],
    [{ title: 'a\u0007b' }, 'title: The title must not contain control characters'],
    [{ title: 7 }, 'title: The title must be text'],
    [{}, 'title: The title must be text'],
    [{ title: 'ok', owner: 'guest:bob' }, 'body: Unrecognized key: "owner"'],
  ])('refuses the rename %j with a clear 400 before touching the service', async (body, message) => {
    const res = await route(event('PATCH', `/api/recordings/${ID}`, body));
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toContain(message);
    expect(calls).toEqual([]);
  });

  it('accepts a title of exactly 120 characters', async () => {
    const res = await route(event('PATCH', `/api/recordings/${ID}`, { title: 'y'.repeat(120) }));
    expect(res.statusCode).toBe(200);
  });

  it('deletes the signed-in user’s recording with 204', async () => {
    const res = await route(event('DELETE', `/api/recordings/${ID}`));
    expect(res.statusCode).toBe(204);
    expect(calls).toEqual([['remove', 'guest:alice', ID]]);
  });

  it('answers 404 for another user’s recording, on rename and on delete', async () => {
    const renamed = await route(event('PATCH', `/api/recordings/${OTHERS}`, { title: 'Mine now' }));
    expect(renamed.statusCode).toBe(404);
    expect(errorOf(renamed)).toBe('No such recording');
    const deleted = await route(event('DELETE', `/api/recordings/${OTHERS}`));
    expect(deleted.statusCode).toBe(404);
  });

  it('refuses both without a session, and a bad id', async () => {
    expect((await route(event('PATCH', `/api/recordings/${ID}`, { title: 'x' }, ''))).statusCode).toBe(401);
    expect((await route(event('DELETE', `/api/recordings/${ID}`, undefined, ''))).statusCode).toBe(401);
    expect((await route(event('PATCH', '/api/recordings/not-a-uuid', { title: 'x' }))).statusCode).toBe(400);
    expect(calls).toEqual([]);
  });
});
