import { randomUUID } from 'node:crypto';
import { createRouter } from '../../../functions/api/router';
import { generateAuthKeySecret, importAuthKeySecret } from '../../../functions/auth/keys';
import { createTokenService } from '../../../functions/auth/tickets';
import { loadMigrations } from '../../../functions/migrate/migrate';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import { newRoomId } from '../../../functions/room/ids';
import { createMyRoomsRoutes } from '../../../functions/room/my-rooms';
import { verifyPassword } from '../../../functions/room/password';
import { SqlRoomStore } from '../../../functions/room/room-store';
import type { HttpResult } from '../../../functions/shared/http';
import { myRoomsResponseSchema, type MyRoom } from '../../../functions/shared/protocol/my-rooms';
import { recordingKeys } from '../../../functions/shared/protocol/recordings';
import { startStandIns, type StandIns } from '../recordings/stand-ins';
import { bodyOf, httpEvent, type CallOptions } from '../auth/http-events';

const PAGE = 'https://meet.example.com';

/** "My rooms" (#15) over the Data API emulator with every migration: owner-scoped listing and settings. */
describe('my rooms', () => {
  let env: StandIns;
  let route: (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;
  let tokens: ReturnType<typeof createTokenService>;
  const rooms = () => new SqlRoomStore(() => env.sql);

  beforeAll(async () => {
    env = await startStandIns({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
    for (const migration of loadMigrations().filter((m) => !['0003', '0004'].some((v) => m.version.startsWith(v)))) {
      for (const statement of migration.statements) await env.sql.execute(statement);
    }
    const keys = await importAuthKeySecret(await generateAuthKeySecret());
    tokens = createTokenService({ keys: async () => keys, issuer: () => PAGE });
    route = createRouter(
      createMyRoomsRoutes({ sql: () => env.sql, verifyAccessToken: tokens.verifyAccessToken, publicUrl: () => PAGE }),
    );
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  async function user(name: string) {
    const sub = randomUUID();
    const accessToken = await tokens.issueAccessToken({ sub, name, kind: 'email' });
    const call = (method: string, path: string, options: CallOptions = {}) =>
      route(httpEvent(method, path, { ...options, headers: { authorization: `Bearer ${accessToken}` } }));
    return { sub, name, call };
  }

  async function hostedRoom(host: { sub: string; name: string }, lobby = false) {
    const id = newRoomId();
    await rooms().createRoom({ id, name: `${host.name}'s room`, passwordHash: null, lobby, maxParticipants: 8 }, host);
    return id;
  }

  async function recording(ownerId: string, roomId: string, title: string) {
    const id = randomUUID();
    await new RecordingStore(env.sql).create({
      id,
      ownerId,
      roomId,
      title,
      fileName: 'meeting.webm',
      contentType: 'video/webm',
      sizeBytes: 4,
      sourceKey: recordingKeys.source(ownerId, id),
      uploadId: 'u',
      partCount: 1,
      language: 'auto',
      translate: false,
    });
    return id;
  }

  const listOf = async (who: { call: (m: string, p: string) => Promise<HttpResult> }) =>
    myRoomsResponseSchema.parse(bodyOf(await who.call('GET', '/api/my/rooms'))).rooms;

  it('lists the rooms I host with their fixed link, settings, and my recordings made in each', async () => {
    const ann = await user('Ann');
    const bob = await user('Bob');
    const open = await hostedRoom(ann, true);
    const past = await hostedRoom(ann);
    await rooms().endRoom(past);
    const bobs = await hostedRoom(bob);
    await rooms().addMember(bobs, { sub: ann.sub, name: ann.name }, 'member');
    const annsRecording = await recording(ann.sub, past, 'Planning');
    await recording(bob.sub, past, 'Bob’s copy');

    const listed = await listOf(ann);
    expect(listed.map((r) => r.id).sort()).toEqual([open, past].sort());
    const byId = new Map(listed.map((r) => [r.id, r]));
    expect(byId.get(open)).toMatchObject<Partial<MyRoom>>({
      url: `${PAGE}/r/${open}`,
      lobby: true,
      hasPassword: false,
      ended: false,
      recordings: [],
    });
    expect(byId.get(past)!.ended).toBe(true);
    expect(byId.get(past)!.recordings).toEqual([
      expect.objectContaining({ id: annsRecording, title: 'Planning', status: 'uploading' }),
    ]);
    expect(byId.get(past)!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await listOf(bob)).map((r) => r.id)).toEqual([bobs]);
  });

  it('changes lobby and password, and reopens an ended room, only for its host', async () => {
    const ann = await user('Ann');
    const mallory = await user('Mallory');
    const id = await hostedRoom(ann);
    await rooms().endRoom(id);

    const patch = (who: typeof ann, body: unknown) => who.call('PATCH', `/api/my/rooms/${id}`, { body });
    const refused = await patch(mallory, { lobby: true, password: 'mine now', reopen: true });
    expect(refused.statusCode).toBe(404);
    const unknown = await mallory.call('PATCH', `/api/my/rooms/${newRoomId()}`, { body: { lobby: true } });
    // Someone else's room and a room that does not exist answer alike.
    expect(refused.body).toBe(unknown.body);
    const untouched = await rooms().getRoom(id);
    expect(untouched).toMatchObject({ lobby: false, passwordHash: null, ended: true });

    const changed = await patch(ann, { lobby: true, password: 'open sesame', reopen: true });
    expect(changed.statusCode).toBe(200);
    expect(bodyOf(changed)).toMatchObject({ id, lobby: true, hasPassword: true, ended: false });
    const stored = (await rooms().getRoom(id))!;
    expect(await verifyPassword('open sesame', stored.passwordHash!)).toBe(true);

    const cleared = await patch(ann, { password: null });
    expect(bodyOf(cleared)).toMatchObject({ lobby: true, hasPassword: false });
    expect((await patch(ann, { password: 'no' })).statusCode).toBe(400);
    expect((await patch(ann, { owner: mallory.sub })).statusCode).toBe(400);
    expect((await mallory.call('GET', '/api/my/rooms')).statusCode).toBe(200);
    expect((await route(httpEvent('GET', '/api/my/rooms'))).statusCode).toBe(401);
    // Room passwords use the deployed scrypt cost: seconds on the shared cores.
  }, 60_000);
});
