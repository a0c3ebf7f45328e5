import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { issueAccessToken } from '../../functions/auth/tickets';
import { AVATAR_EDGE } from '../../functions/avatars/process-avatar';
import { AVATAR_API_PATH, AVATAR_MAX_BYTES, avatarUrlSchema } from '../../functions/shared/protocol/avatars';
import type { LocalCloud } from '../../local/cloud';
import { AVATARS_BUCKET_NAME } from '../../local/names';
import { localClientConfig } from '../../local/standins/sdk-config';
import { onDatabase, startRealCloud, type RealCloud } from '../support/real-cloud';

/*
 * Profile pictures (#15) through the whole local cloud: real HTTP to the gateway, which sends PUT/DELETE
 * /api/account/avatar to the Avatar function (sharp) and serves /avatars/* from the S3 stand-in's avatars bucket,
 * as the HTTP API routes and the CloudFront behaviour do in AWS. The attack cases send what a hostile client would.
 * PostgreSQL is this machine's (a random database): PGlite's wasm loader cannot run inside jest's VM.
 */
const picture = (format: 'jpeg' | 'png' | 'webp', width = 800, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .toFormat(format)
    .toBuffer();

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>',
);
const HTML = Buffer.from('<!doctype html><html><body><script>fetch("/api/me")</script></body></html>');

interface Person {
  id: string;
  email: string;
  token: string;
}

describe('avatars through the local cloud (gateway, Avatar function, S3 stand-in)', () => {
  let real: RealCloud;
  let cloud: LocalCloud;
  let database: string;
  let bucket: S3Client;
  const env = { ...process.env };

  beforeAll(async () => {
    real = await startRealCloud('avatars');
    ({ cloud, database } = real);
    bucket = new S3Client({ ...localClientConfig(cloud.env.AWS_ENDPOINT_URL_S3!), forcePathStyle: true });
  }, 120_000);

  afterAll(async () => {
    bucket?.destroy();
    await real?.stop();
    process.env = env;
  });

  /** A Google account (no password: deleting it is confirmed by typing its address) and its access token. */
  async function person(name: string): Promise<Person> {
    const id = randomUUID();
    const email = `${name.toLowerCase()}-${id.slice(0, 8)}@example.com`;
    await onDatabase(database, (c) =>
      c.query(
        `INSERT INTO users (id, kind, issuer, subject, name, email, verified_email)
         VALUES ($1, 'google', 'https://accounts.google.com', $2, $3, $4, $4)`,
        [id, `sub-${id}`, name, email],
      ),
    );
    return { id, email, token: await issueAccessToken({ sub: id, name, kind: 'google' }) };
  }

  const put = (who: { token?: string } | undefined, body: Buffer, type: string, path = AVATAR_API_PATH) =>
    fetch(`${cloud.url}${path}`, {
      method: 'PUT',
      headers: {
        origin: cloud.url,
        'content-type': type,
        ...(who?.token ? { authorization: `Bearer ${who.token}` } : {}),
      },
      body: new Uint8Array(body),
    });
  const remove = (who: Person) =>
    fetch(`${cloud.url}${AVATAR_API_PATH}`, {
      method: 'DELETE',
      headers: { origin: cloud.url, authorization: `Bearer ${who.token}` },
    });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;
  const uploaded = async (response: Response) => {
    expect(response.status).toBe(200);
    return ((await response.json()) as { avatarUrl: string }).avatarUrl;
  };
  const storedKey = (who: Person) =>
    onDatabase(database, async (c) => {
      const { rows } = await c.query<{ avatar_key: string | null }>('SELECT avatar_key FROM users WHERE id = $1', [
        who.id,
      ]);
      return rows[0]?.avatar_key ?? null;
    });
  const objectsOf = async (who: Person) => {
    const listed = await bucket.send(
      new ListObjectsV2Command({ Bucket: AVATARS_BUCKET_NAME, Prefix: `avatars/${who.id}/` }),
    );
    return (listed.Contents ?? []).map((o) => o.Key!);
  };

  it('stores a JPEG as a square WebP under avatars/<userId>/ and serves it on the page origin', async () => {
    const ann = await person('Ann');
    const url = await uploaded(await put(ann, await picture('jpeg'), 'image/jpeg'));
    expect(avatarUrlSchema.safeParse(url).success).toBe(true);
    expect(url.startsWith(`/avatars/${ann.id}/`)).toBe(true);
    expect(await storedKey(ann)).toBe(url.slice(1));

    const served = await fetch(`${cloud.url}${url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toContain('immutable');
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: AVATAR_EDGE, height: AVATAR_EDGE });

    // The account's own view (the profile page) names the same picture.
    const me = await fetch(`${cloud.url}/api/me`, { headers: { authorization: `Bearer ${ann.token}` } });
    expect(((await me.json()) as { user: { avatarUrl?: string } }).user.avatarUrl).toBe(url);
  });

  it.each(['png', 'webp'] as const)('accepts a %s upload and re-encodes it', async (format) => {
    const bob = await person('Bob');
    const url = await uploaded(await put(bob, await picture(format), `image/${format}`));
    const served = await fetch(`${cloud.url}${url}`);
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).format).toBe('webp');
  });

  it('serves a picture without the uploaded metadata (EXIF camera and GPS are gone)', async () => {
    const cam = await person('Cam');
    const tagged = await sharp(await picture('jpeg'))
      .withExif({ IFD0: { Make: 'SecretCam', Model: 'Serial-98765' }, IFD3: { GPSLatitudeRef: 'N' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(tagged).metadata()).exif).toBeDefined();
    const url = await uploaded(await put(cam, tagged, 'image/jpeg'));
    const bytes = Buffer.from(await (await fetch(`${cloud.url}${url}`)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(bytes.toString('latin1')).not.toContain('SecretCam');
  });

  it('refuses an oversize upload with 413 and keeps the current picture', async () => {
    const dee = await person('Dee');
    const url = await uploaded(await put(dee, await picture('png'), 'image/png'));
    const big = Buffer.alloc(AVATAR_MAX_BYTES + 1, 0);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    const refused = await put(dee, big, 'image/jpeg');
    expect(refused.status).toBe(413);
    expect(await errorCode(refused)).toBe('avatar-too-large');
    expect(await storedKey(dee)).toBe(url.slice(1));
    expect(await objectsOf(dee)).toEqual([url.slice(1)]);
  });

  it('refuses bytes that are not a picture', async () => {
    const eve = await person('Eve');
    const refused = await put(eve, Buffer.from('just some text, no pixels here'), 'image/png');
    expect(refused.status).toBe(400);
    expect(await errorCode(refused)).toBe('not-an-image');
    expect(await objectsOf(eve)).toEqual([]);
  });

  it('refuses an SVG with a script disguised as a PNG', async () => {
    const fay = await person('Fay');
    const refused = await put(fay, SVG, 'image/png');
    expect(refused.status).toBe(400);
    expect(await errorCode(refused)).toBe('not-an-image');
    // A PNG signature glued in front of the SVG is no better.
    const glued = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), SVG]);
    expect(await errorCode(await put(fay, glued, 'image/png'))).toBe('not-an-image');
    expect(await storedKey(fay)).toBeNull();
  });

  it('refuses HTML disguised as a JPEG, and SVG declared as what it is', async () => {
    const gus = await person('Gus');
    const html = await put(gus, HTML, 'image/jpeg');
    expect(html.status).toBe(400);
    expect(await errorCode(html)).toBe('not-an-image');
    const svg = await put(gus, SVG, 'image/svg+xml');
    expect(svg.status).toBe(400);
    expect(await errorCode(svg)).toBe('avatar-type');
    expect(await objectsOf(gus)).toEqual([]);
  });

  it('deletes the replaced picture when a new one is uploaded', async () => {
    const hal = await person('Hal');
    const first = await uploaded(await put(hal, await picture('jpeg'), 'image/jpeg'));
    const second = await uploaded(await put(hal, await picture('png'), 'image/png'));
    expect(second).not.toBe(first);
    expect((await fetch(`${cloud.url}${first}`)).status).toBe(404);
    expect((await fetch(`${cloud.url}${second}`)).status).toBe(200);
    expect(await objectsOf(hal)).toEqual([second.slice(1)]);
  });

  it('removes the picture on DELETE', async () => {
    const ida = await person('Ida');
    const url = await uploaded(await put(ida, await picture('jpeg'), 'image/jpeg'));
    expect((await remove(ida)).status).toBe(204);
    expect((await fetch(`${cloud.url}${url}`)).status).toBe(404);
    expect(await storedKey(ida)).toBeNull();
    expect(await objectsOf(ida)).toEqual([]);
    const me = await fetch(`${cloud.url}/api/me`, { headers: { authorization: `Bearer ${ida.token}` } });
    expect(((await me.json()) as { user: Record<string, unknown> }).user).not.toHaveProperty('avatarUrl');
  });

  it('refuses uploads without a valid access token, or from another origin', async () => {
    const jpeg = await picture('jpeg');
    expect((await put(undefined, jpeg, 'image/jpeg')).status).toBe(401);
    expect((await put({ token: 'not.a.token' }, jpeg, 'image/jpeg')).status).toBe(401);
    const jon = await person('Jon');
    const crossSite = await fetch(`${cloud.url}${AVATAR_API_PATH}`, {
      method: 'PUT',
      headers: { origin: 'https://evil.example', 'content-type': 'image/jpeg', authorization: `Bearer ${jon.token}` },
      body: jpeg,
    });
    expect(crossSite.status).toBe(403);
    expect(await objectsOf(jon)).toEqual([]);
  });

  it('refuses guests: they have no profile', async () => {
    const signIn = await fetch(`${cloud.url}/api/sessions/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: cloud.url },
      body: JSON.stringify({ name: 'Guest Kim' }),
    });
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const refused = await put({ token: accessToken }, await picture('jpeg'), 'image/jpeg');
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('guest');
  });

  it("cannot change or remove another user's picture by naming their id", async () => {
    const kai = await person('Kai');
    const lee = await person('Lee');
    const kaisUrl = await uploaded(await put(kai, await picture('jpeg'), 'image/jpeg'));
    // Paths and parameters naming Kai: there is no such route, or the id is ignored and Lee changes only Lee.
    expect((await put(lee, await picture('png'), 'image/png', `${AVATAR_API_PATH}/${kai.id}`)).status).toBe(404);
    const viaQuery = await uploaded(
      await put(lee, await picture('png'), 'image/png', `${AVATAR_API_PATH}?userId=${kai.id}`),
    );
    expect(viaQuery.startsWith(`/avatars/${lee.id}/`)).toBe(true);
    expect(await storedKey(kai)).toBe(kaisUrl.slice(1));
    expect((await fetch(`${cloud.url}${kaisUrl}`)).status).toBe(200);
    // A token Lee forged for Kai's id fails the signature check.
    const [header, , signature] = lee.token.split('.');
    const claims = Buffer.from(JSON.stringify({ sub: kai.id, name: 'Kai', kind: 'google' })).toString('base64url');
    expect((await put({ token: `${header}.${claims}.${signature}` }, await picture('jpeg'), 'image/jpeg')).status).toBe(
      401,
    );
    expect(await storedKey(kai)).toBe(kaisUrl.slice(1));
  });

  it('serves nothing under /avatars/ but stored pictures', async () => {
    for (const path of ['/avatars/', '/avatars/x', '/avatars/..%2Fconfig.json', `/avatars/${randomUUID()}/nope.webp`]) {
      expect((await fetch(`${cloud.url}${path}`)).status).toBe(404);
    }
  });

  it("deleting the account deletes the account's pictures", async () => {
    const max = await person('Max');
    const url = await uploaded(await put(max, await picture('jpeg'), 'image/jpeg'));
    const deleted = await fetch(`${cloud.url}/api/accounts/me`, {
      method: 'DELETE',
      headers: { origin: cloud.url, authorization: `Bearer ${max.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: max.email }),
    });
    expect(deleted.status).toBe(204);
    expect(await objectsOf(max)).toEqual([]);
    expect((await fetch(`${cloud.url}${url}`)).status).toBe(404);
  });
});
