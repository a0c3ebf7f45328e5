import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRouter } from '../../../functions/api/router';
import { createAccountRoutes } from '../../../functions/auth/account-routes';
import { AccountStore } from '../../../functions/auth/email-accounts';
import { generateAuthKeySecret, importAuthKeySecret } from '../../../functions/auth/keys';
import { createPasswordHasher } from '../../../functions/auth/passwords';
import { createAuthRoutes } from '../../../functions/auth/routes';
import { createTokenService } from '../../../functions/auth/tickets';
import { loadMigrations } from '../../../functions/migrate/migrate';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import { RecordingsService } from '../../../functions/recordings/recordings-service';
import { newRoomId } from '../../../functions/room/ids';
import { SqlRoomStore } from '../../../functions/room/room-store';
import type { HttpResult } from '../../../functions/shared/http';
import type { SqlParams } from '../../../functions/shared/sql/sql';
import { recordingKeys } from '../../../functions/shared/protocol/recordings';
import { BUCKET, startStandIns, type StandIns } from '../recordings/stand-ins';
import { asCookies, bodyOf, cookieJar, httpEvent, setCookie, type CallOptions } from './http-events';

const PAGE = 'https://meet.example.com';
const STRONG = 'correct horse battery staple';
type ErrorBody = { error: { code: string; message: string } };

/**
 * Delete my account (#15) against the stand-ins `npm start` runs: the Data API emulator with every migration and
 * s3rver holding recording objects. Ann deletes her account; Bob, who met in her room and she in his, keeps all of his.
 */
describe('delete my account', () => {
  let env: StandIns;
  let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  const saved = { ...process.env };
  const hasher = createPasswordHasher({ log2N: 10, r: 8, p: 1 });

  beforeAll(async () => {
    process.env.PUBLIC_URL = PAGE;
    process.env.ALLOWED_ORIGINS = PAGE;
    env = await startStandIns({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
    // The stand-ins apply the recordings migrations; the rest of the schema goes on top, in order.
    for (const migration of loadMigrations().filter((m) => !['0003', '0004'].some((v) => m.version.startsWith(v)))) {
      for (const statement of migration.statements) await env.sql.execute(statement);
    }
    const keys = await importAuthKeySecret(await generateAuthKeySecret());
    const tokens = createTokenService({ keys: async () => keys, issuer: () => PAGE });
    const recordings = new RecordingsService({
      store: new RecordingStore(env.sql),
      storage: new S3MediaStorage(env.s3, BUCKET),
      enqueueBurnIn: async () => undefined,
      notify: async () => undefined,
    });
    const noLimit = async () => undefined;
    route = createRouter([
      ...createAuthRoutes({
        sql: () => env.sql,
        tokens,
        keys: async () => keys,
        publicUrl: () => PAGE,
        google: () => undefined,
        rateLimit: noLimit,
      }),
      ...createAccountRoutes({
        sql: () => env.sql,
        tokens,
        publicUrl: () => PAGE,
        rateLimit: noLimit,
        mailer: { send: async () => undefined },
        passwords: hasher,
        recordings: () => recordings,
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    process.env = saved;
  });

  const call = (method: string, path: string, options: CallOptions = {}) =>
    route(httpEvent(method, path, { ...options, headers: { Origin: PAGE, ...options.headers } }));

  async function account(name: string) {
    const email = `${name.toLowerCase()}.${randomBytes(4).toString('hex')}@example.com`;
    const user = await new AccountStore(env.sql).createEmailUser({
      email,
      name,
      password_hash: await hasher.hash(STRONG),
    });
    return { id: user!.id, email, name };
  }

  async function signIn(email: string) {
    const result = await call('POST', '/api/sessions/password', { body: { email, password: STRONG } });
    expect(result.statusCode).toBe(200);
    return { jar: cookieJar(result), accessToken: bodyOf<{ accessToken: string }>(result).accessToken };
  }

  const rooms = new SqlRoomStore(() => env.sql);
  async function room(host: { id: string; name: string }, guest: { id: string; name: string }) {
    const id = newRoomId();
    await rooms.createRoom(
      { id, name: `${host.name}'s room`, passwordHash: null, lobby: true, maxParticipants: 10 },
      {
        sub: host.id,
        name: host.name,
      },
    );
    await rooms.addMember(id, { sub: guest.id, name: guest.name }, 'member');
    for (const who of [host, guest]) {
      await rooms.archiveChat({
        id: randomUUID(),
        roomId: id,
        senderSub: who.id,
        senderPeerId: `peer-${who.id}`,
        senderName: who.name,
        text: `hello from ${who.name}`,
        sentAt: new Date(),
      });
    }
    return id;
  }

  /** A recording row with objects in each of its folders (source upload, media, subtitles). */
  async function recording(ownerId: string, roomId: string | null) {
    const id = randomUUID();
    const sourceKey = recordingKeys.source(ownerId, id);
    await new RecordingStore(env.sql).create({
      id,
      ownerId,
      roomId,
      title: 'Weekly',
      fileName: 'weekly.webm',
      contentType: 'video/webm',
      sizeBytes: 4,
      sourceKey,
      uploadId: 'done',
      partCount: 1,
      language: 'auto',
      translate: false,
    });
    for (const key of [sourceKey, recordingKeys.mp4(id), recordingKeys.subtitles(id, 1, 'vtt')]) {
      await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'data' }));
    }
    return { id, keys: [sourceKey, recordingKeys.mp4(id), recordingKeys.subtitles(id, 1, 'vtt')] };
  }

  async function objectKeys(): Promise<string[]> {
    const listed = await env.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (listed.Contents ?? []).map((o) => o.Key!);
  }

  const count = async (sql: string, params: SqlParams) =>
    (await env.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;

  const deleteMe = (accessToken: string, confirm: string) =>
    call('DELETE', '/api/accounts/me', { body: { confirm }, headers: { authorization: `Bearer ${accessToken}` } });

  it('deletes the account, its rooms, recordings (rows and objects) and sessions; the other user keeps theirs', async () => {
    const ann = await account('Ann');
    const bob = await account('Bob');
    const annsRoom = await room(ann, bob);
    const bobsRoom = await room(bob, ann);
    const annsRecordings = [await recording(ann.id, annsRoom), await recording(ann.id, null)];
    const bobsRecording = await recording(bob.id, annsRoom);
    const laptop = await signIn(ann.email);
    const phone = await signIn(ann.email);
    const bobSession = await signIn(bob.email);

    const wrong = await deleteMe(laptop.accessToken, 'not my password');
    expect(wrong.statusCode).toBe(401);
    expect(bodyOf<ErrorBody>(wrong).error.code).toBe('not-confirmed');
    expect(await count('users WHERE id = :id', { id: ann.id })).toBe(1);
    expect(await objectKeys()).toEqual(expect.arrayContaining(annsRecordings.flatMap((r) => r.keys)));

    const deleted = await deleteMe(laptop.accessToken, STRONG);
    expect(deleted.statusCode).toBe(204);
    expect(setCookie(deleted, 'cn_refresh')).toMatch(/Max-Age=0/);

    // Ann: no user row, no session, no room of hers, no trace in Bob's room, no recording row or object.
    expect(await count('users WHERE id = :id', { id: ann.id })).toBe(0);
    expect(await count('refresh_tokens WHERE user_id = :id', { id: ann.id })).toBe(0);
    for (const jar of [laptop.jar, phone.jar]) {
      expect((await call('POST', '/api/sessions/refresh', { cookies: asCookies(jar) })).statusCode).toBe(401);
    }
    expect(
      (await call('POST', '/api/sessions/password', { body: { email: ann.email, password: STRONG } })).statusCode,
    ).toBe(401);
    expect(await count('rooms WHERE created_by = :id', { id: ann.id })).toBe(0);
    expect(await count('room_members WHERE room_id = :room OR sub = :id', { room: annsRoom, id: ann.id })).toBe(0);
    expect(
      await count('room_chat_messages WHERE room_id = :room OR sender_sub = :id', { room: annsRoom, id: ann.id }),
    ).toBe(0);
    expect(await count('recordings WHERE owner_id = :id', { id: ann.id })).toBe(0);
    const left = await objectKeys();
    for (const key of annsRecordings.flatMap((r) => r.keys)) expect(left).not.toContain(key);

    // Bob: his room, his membership and chat there, his recording (even the one made in Ann's room) and session.
    expect(await count('rooms WHERE id = :room', { room: bobsRoom })).toBe(1);
    expect(await count('room_members WHERE room_id = :room AND sub = :id', { room: bobsRoom, id: bob.id })).toBe(1);
    expect(
      await count('room_chat_messages WHERE room_id = :room AND sender_sub = :id', { room: bobsRoom, id: bob.id }),
    ).toBe(1);
    expect(await count('recordings WHERE id = :id', { id: bobsRecording.id })).toBe(1);
    expect(left).toEqual(expect.arrayContaining(bobsRecording.keys));
    expect((await call('POST', '/api/sessions/refresh', { cookies: asCookies(bobSession.jar) })).statusCode).toBe(200);
  }, 60_000);

  it('refuses guests, and a request without a session', async () => {
    const guest = await call('POST', '/api/sessions/guest', { body: { name: 'Gus' } });
    const { accessToken } = bodyOf<{ accessToken: string }>(guest);
    const refused = await deleteMe(accessToken, 'Gus');
    expect(refused.statusCode).toBe(403);
    expect((await call('DELETE', '/api/accounts/me', { body: { confirm: STRONG } })).statusCode).toBe(401);
  });
});
