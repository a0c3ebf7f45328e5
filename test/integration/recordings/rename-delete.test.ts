import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../../../functions/shared/aws-clients';
import { recordingKeys } from '../../../functions/shared/protocol/recordings';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';

/*
 * Renaming and deleting a recording over HTTP through the whole local cloud: the gateway, the unchanged HttpApi
 * handler (the one route table CDK deploys behind `ANY /api/{proxy+}`), PostgreSQL through the Data API emulator
 * and S3 (s3rver). The owner may; another user's attempt and bad input are refused and change nothing.
 * PostgreSQL is this machine's (a random database): PGlite's wasm loader cannot run inside jest's VM.
 */
jest.setTimeout(60_000);

let real: RealCloud;
let cloud: LocalCloud;

beforeAll(async () => {
  real = await startRealCloud('rename');
  cloud = real.cloud;
}, 120_000);

afterAll(async () => {
  await real?.stop();
});

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function api(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      Origin: cloud.url,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function guest(name: string): Promise<string> {
  const signedIn = await api('POST', '/api/sessions/guest', undefined, { name });
  expect(signedIn.status).toBe(201);
  return signedIn.body.accessToken as string;
}

/** Ann's recording with its first part uploaded, plus the media and subtitles the pipeline would have written. */
async function recordingWithObjects(token: string): Promise<string> {
  const body = randomBytes(2048);
  const created = await api('POST', '/api/recordings', token, {
    fileName: 'standup.webm',
    contentType: 'video/webm',
    sizeBytes: body.length,
    title: 'Stand-up',
  });
  expect(created.status).toBe(201);
  const id = created.body.recording.id as string;
  const put = await fetch(created.body.upload.parts[0].url as string, { method: 'PUT', body: new Uint8Array(body) });
  expect(put.status).toBe(200);
  for (const key of [recordingKeys.mp4(id), recordingKeys.subtitles(id, 1, 'vtt')]) {
    await s3().send(new PutObjectCommand({ Bucket: cloud.env.RECORDINGS_BUCKET, Key: key, Body: 'x' }));
  }
  return id;
}

async function objectsOf(id: string): Promise<string[]> {
  const listed = await s3().send(new ListObjectsV2Command({ Bucket: cloud.env.RECORDINGS_BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key.includes(id));
}

describe('rename and delete a recording (local cloud)', () => {
  let ann: string;
  let bob: string;
  let id: string;

  beforeAll(async () => {
    ann = await guest('Ann');
    bob = await guest('Bob');
    id = await recordingWithObjects(ann);
  });

  const titleInList = async (token: string) =>
    ((await api('GET', '/api/recordings', token)).body.recordings as { id: string; title: string }[]).find(
      (r) => r.id === id,
    )?.title;

  it('lets the owner rename it, trimmed, and the list shows the new title', async () => {
    const renamed = await api('PATCH', `/api/recordings/${id}`, ann, { title: '  Monday stand-up  ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.recording).toMatchObject({ id, title: 'Monday stand-up', fileName: 'standup.webm' });
    expect(await titleInList(ann)).toBe('Monday stand-up');
  });

  it('refuses bad input with a clear 400 and keeps the title', async () => {
    const cases: [unknown, string][] = [
      [{ title: '   ' }, 'The title must not be empty'],
      [{ title: 'x'.repeat(121) }, 'The title is longer than 120 characters'],
      [{ title: 42 }, 'The title must be text'],
      ['{not json', 'Request body is not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const answer = await api('PATCH', `/api/recordings/${id}`, ann, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain(message);
    }
    const badId = await api('PATCH', '/api/recordings/not-a-recording', ann, { title: 'x' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toBe('The recording id must be a UUID');
    expect(await titleInList(ann)).toBe('Monday stand-up');
  });

  it("refuses another user's rename and delete of Ann's recording by id, and without a session", async () => {
    const renamed = await api('PATCH', `/api/recordings/${id}`, bob, { title: 'Mine now' });
    expect(renamed.status).toBe(404);
    expect(renamed.body.error.message).toBe('No such recording');
    const deleted = await api('DELETE', `/api/recordings/${id}`, bob);
    expect(deleted.status).toBe(404);
    expect(deleted.body.error.message).toBe('No such recording');
    expect((await api('DELETE', `/api/recordings/${id}`)).status).toBe(401);

    expect(await titleInList(ann)).toBe('Monday stand-up');
    expect(await titleInList(bob)).toBeUndefined();
    expect(await objectsOf(id)).toEqual(
      expect.arrayContaining([recordingKeys.mp4(id), recordingKeys.subtitles(id, 1, 'vtt')]),
    );
  });

  it('lets the owner delete it: the row and every S3 object go, and it is gone for later calls', async () => {
    const deleted = await api('DELETE', `/api/recordings/${id}`, ann);
    expect(deleted.status).toBe(204);
    expect(await objectsOf(id)).toEqual([]);
    expect(await titleInList(ann)).toBeUndefined();
    expect((await api('GET', `/api/recordings/${id}`, ann)).status).toBe(404);
    expect((await api('PATCH', `/api/recordings/${id}`, ann, { title: 'Back' })).status).toBe(404);
    expect((await api('DELETE', `/api/recordings/${id}`, ann)).status).toBe(404);
  });
});
