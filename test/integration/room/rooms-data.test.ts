import { availableBackends, type IdentityDb } from '../auth/identity-db';
import { availableRedis, createRoomWorld, startRoomDb, type RoomWorld } from './room-world';

const ROOM_NAME = `Robert'); DROP TABLE rooms;-- <i>x</i>`;
const PASSWORD = `p'; DELETE FROM room_members;-- :password $1`;
const REASON = `'); UPDATE rooms SET locked = true;--`;
const HOSTILE = `<script>alert(1)</script> Robert'); DROP TABLE room_chat_messages;-- $1 :text \\ 👩🏽‍💻`;

describe.each(availableBackends())('rooms on %s through the Data API emulator', (dbKind) => {
  let db: IdentityDb;
  beforeAll(async () => {
    db = await startRoomDb(dbKind);
  }, 90_000);
  afterAll(async () => {
    await db?.stop();
  });

  describe.each(availableRedis())('with %s Redis', (redisKind) => {
    let w: RoomWorld;
    beforeEach(async () => {
      w = await createRoomWorld(db, redisKind);
    });
    afterEach(async () => {
      await w.dispose();
    });

    async function createRoom(hostToken: string, options: Record<string, unknown> = {}) {
      const res = await w.http('POST', '/api/rooms', hostToken, options);
      expect(res.status).toBe(201);
      return res.body.roomId as string;
    }

    async function enter(roomId: string, token: string, body: Record<string, unknown> = {}) {
      const res = await w.http('POST', `/api/rooms/${roomId}/join`, token, body);
      expect(res.status).toBe(200);
      return res.body as { status: string; ticket: string; peerId: string; role: string };
    }

    it('create, join with password, chat verbatim, archive, history for a late joiner', async () => {
      const host = await w.user('Hosta');
      const bob = await w.user(`<b>Bob</b>'--`);
      const carol = await w.user('Carol');
      const roomId = await createRoom(host.token, { name: ROOM_NAME, password: PASSWORD });

      const facts = await w.http('GET', `/api/rooms/${roomId}`);
      expect(facts.body).toMatchObject({ exists: true, name: ROOM_NAME, needsPassword: true, full: false });
      expect((await w.http('POST', `/api/rooms/${roomId}/join`, bob.token, { password: "' OR '1'='1" })).status).toBe(
        403,
      );

      const hostJoin = await enter(roomId, host.token);
      expect(hostJoin).toMatchObject({ status: 'joined', role: 'host' });
      const bobJoin = await enter(roomId, bob.token, { password: PASSWORD });
      expect(bobJoin).toMatchObject({ status: 'joined', role: 'member' });

      const hs = await w.connect(hostJoin.ticket);
      const bs = await w.connect(bobJoin.ticket);
      await hs.send({ type: 'join', state: { mic: true, cam: true } });
      await bs.send({ type: 'join' });
      expect(hs.last('peer.joined')!.participant).toMatchObject({ peerId: bobJoin.peerId, name: `<b>Bob</b>'--` });

      await bs.send({ type: 'chat.send', text: HOSTILE, ref: 'c1' });
      await hs.send({ type: 'chat.send', text: 'second' });
      expect(hs.last('chat.message')!.message.text).toBe('second');
      expect(hs.of('chat.message')[0]!.message).toMatchObject({ text: HOSTILE, name: `<b>Bob</b>'--` });

      const archived = await w.db.sql.query<{ body: string; sender_name: string }>(
        'SELECT body, sender_name FROM room_chat_messages WHERE room_id = :roomId ORDER BY sent_at, id',
        { roomId },
      );
      expect(archived).toEqual([
        { body: HOSTILE, sender_name: `<b>Bob</b>'--` },
        { body: 'second', sender_name: 'Hosta' },
      ]);
      expect((await w.store.chatArchive(roomId, 10)).map((m) => m.text)).toEqual([HOSTILE, 'second']);

      const carolJoin = await enter(roomId, carol.token, { password: PASSWORD });
      const cs = await w.connect(carolJoin.ticket);
      await cs.send({ type: 'join' });
      expect(cs.last('welcome')!.chat.map((m) => m.text)).toEqual([HOSTILE, 'second']);
      expect(cs.last('welcome')!.roster.map((p) => p.name)).toEqual(['Hosta', `<b>Bob</b>'--`, 'Carol']);
      expect(cs.last('welcome')!.room.name).toBe(ROOM_NAME);
      const tables = await w.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM room_members WHERE room_id = :roomId`,
        { roomId },
      );
      expect(tables).toEqual([{ n: 3 }]);
    });

    it('lobby: knock, admit with a fresh member ticket, deny closes the socket', async () => {
      const host = await w.user('Hosta');
      const wanda = await w.user('Wanda');
      const xavier = await w.user('Xavier');
      const roomId = await createRoom(host.token, { lobby: true });
      const hs = await w.connect((await enter(roomId, host.token)).ticket);
      await hs.send({ type: 'join' });

      const wJoin = await enter(roomId, wanda.token);
      expect(wJoin).toMatchObject({ status: 'lobby', role: 'lobby' });
      const ws = await w.connect(wJoin.ticket);
      await ws.send({ type: 'chat.send', text: 'let me in' });
      expect(ws.last('error')!.code).toBe('not_allowed');
      await ws.send({ type: 'knock' });
      expect(ws.last('lobby.waiting')).toEqual({ type: 'lobby.waiting', roomName: "Hosta's meeting" });
      expect(hs.last('lobby.knock')!.entry).toMatchObject({ peerId: wJoin.peerId, name: 'Wanda' });

      await hs.send({ type: 'lobby.admit', peerId: wJoin.peerId });
      const admitted = ws.last('lobby.admitted')!;
      const claims = await w.tokens.verifyRoomTicket(admitted.ticket);
      expect(claims).toMatchObject({ sub: wanda.sub, roomId, peerId: wJoin.peerId, role: 'member' });
      const member = await w.connect(admitted.ticket);
      await member.send({ type: 'join' });
      expect(member.last('welcome')!.self).toMatchObject({ peerId: wJoin.peerId, role: 'member' });
      // Admitted once: a reload goes straight in.
      expect(await enter(roomId, wanda.token)).toMatchObject({ status: 'joined', role: 'member' });

      const xJoin = await enter(roomId, xavier.token);
      const xs = await w.connect(xJoin.ticket);
      await xs.send({ type: 'knock' });
      await hs.send({ type: 'lobby.deny', peerId: xJoin.peerId });
      expect(xs.last('lobby.denied')).toBeDefined();
      expect(xs.closed).toBe(true);
      expect(hs.last('lobby.update')!.lobby).toEqual([]);
      expect(await w.store.getRole(roomId, xavier.sub)).toBeUndefined();
    });

    it('remove: the removed identity is told, closed, and cannot rejoin by link', async () => {
      const host = await w.user('Hosta');
      const bob = await w.user('Bob');
      const roomId = await createRoom(host.token);
      const hs = await w.connect((await enter(roomId, host.token)).ticket);
      await hs.send({ type: 'join' });
      const bobJoin = await enter(roomId, bob.token);
      const bs = await w.connect(bobJoin.ticket);
      await bs.send({ type: 'join' });

      await bs.send({ type: 'host.remove', peerId: (await w.live.roster(roomId))[0]!.peerId });
      expect(bs.last('error')!.code).toBe('not_allowed');

      await hs.send({ type: 'host.remove', peerId: bobJoin.peerId, reason: REASON });
      expect(bs.last('host.removed')).toEqual({ type: 'host.removed', by: 'Hosta', reason: REASON });
      expect(bs.closed).toBe(true);
      const again = await w.http('POST', `/api/rooms/${roomId}/join`, bob.token, {});
      expect([again.status, again.body.error.code]).toEqual([403, 'removed']);
      const rows = await w.db.sql.query('SELECT sub, reason FROM room_removals WHERE room_id = :roomId', { roomId });
      expect(rows).toEqual([{ sub: bob.sub, reason: REASON }]);
    });

    it('end meeting for all: everyone told and closed, the room cannot be joined again', async () => {
      const host = await w.user('Hosta');
      const bob = await w.user('Bob');
      const roomId = await createRoom(host.token);
      const hs = await w.connect((await enter(roomId, host.token)).ticket);
      await hs.send({ type: 'join' });
      const bs = await w.connect((await enter(roomId, bob.token)).ticket);
      await bs.send({ type: 'join' });
      await bs.send({ type: 'host.end' });
      expect((await w.store.getRoom(roomId))!.ended).toBe(false);

      await hs.send({ type: 'host.end' });
      for (const s of [hs, bs]) {
        expect(s.last('room.ended')).toEqual({ type: 'room.ended', by: 'Hosta' });
        expect(s.closed).toBe(true);
      }
      expect(await w.live.roster(roomId)).toEqual([]);
      expect((await w.http('GET', `/api/rooms/${roomId}`)).body.ended).toBe(true);
      const late = await w.http('POST', `/api/rooms/${roomId}/join`, host.token, {});
      expect([late.status, late.body.error.code]).toEqual([410, 'room-ended']);
    });

    it('host hand-over is stored: the old host comes back as a member', async () => {
      const host = await w.user('Hosta');
      const bob = await w.user('Bob');
      const roomId = await createRoom(host.token);
      const hs = await w.connect((await enter(roomId, host.token)).ticket);
      await hs.send({ type: 'join' });
      const bs = await w.connect((await enter(roomId, bob.token)).ticket);
      await bs.send({ type: 'join' });
      await hs.send({ type: 'leave' });
      expect(bs.last('roster.update')!.roster).toEqual([expect.objectContaining({ name: 'Bob', role: 'host' })]);
      expect(await enter(roomId, host.token)).toMatchObject({ status: 'joined', role: 'member' });
      expect(await enter(roomId, bob.token)).toMatchObject({ role: 'host' });
    });
  });
});
