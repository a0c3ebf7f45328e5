import { availableBackends, type IdentityDb } from '../auth/identity-db';
import { availableRedis, createRoomWorld, startRoomDb, type RoomWorld } from './room-world';

// Over the real join route and room socket: names in access tokens minted before the display-name rules (or by a
// compromised path) must not reach anyone's roster, and a name alone never says who someone is.
describe.each(availableBackends())('display names in rooms on %s', (dbKind) => {
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

    async function createRoom(token: string, body: Record<string, unknown> = {}) {
      const res = await w.http('POST', '/api/rooms', token, body);
      expect(res.status).toBe(201);
      return res.body.roomId as string;
    }

    it.each([
      ['a right-to-left override', 'Ann\u202Egnp.exe', /text-direction/],
      ['a right-to-left mark', '\u200FAnn', /text-direction/],
      ['an Arabic letter mark', 'Ann\u061C', /text-direction/],
      ['a zero-width space', 'An\u200Bn', /invisible/],
      ['a Hangul filler', 'Ann\u3164', /invisible/],
    ])('refuses to seat a name with %s: 400 with the reason, no member row', async (_label, name, reason) => {
      const host = await w.user('Hosta');
      const roomId = await createRoom(host.token);
      const spoofer = await w.user(name);
      const res = await w.http('POST', `/api/rooms/${roomId}/join`, spoofer.token);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(reason);
      expect(await w.store.getRole(roomId, spoofer.sub)).toBeUndefined();
    });

    it('refuses a meeting name with a bidi override at creation', async () => {
      const host = await w.user('Hosta');
      const res = await w.http('POST', '/api/rooms', host.token, { name: 'Standup\u202Eevil' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/text-direction/);
    });

    it('folds look-alikes with NFKC and marks the account holder apart from a guest using the same name', async () => {
      const host = await w.user('Ann', 'google');
      const roomId = await createRoom(host.token, { lobby: true });
      const hostJoin = await w.http('POST', `/api/rooms/${roomId}/join`, host.token);
      const hs = await w.connect(hostJoin.body.ticket);
      await hs.send({ type: 'join' });

      // Full-width letters render like "Ann"; NFKC makes them the same string, so only the marker tells them apart.
      const guest = await w.user('Ａｎｎ');
      const guestJoin = await w.http('POST', `/api/rooms/${roomId}/join`, guest.token);
      expect(guestJoin.body.status).toBe('lobby');
      const gs = await w.connect(guestJoin.body.ticket);
      await gs.send({ type: 'knock' });
      expect(hs.last('lobby.knock')!.entry).toMatchObject({ name: 'Ann', verified: false });

      await hs.send({ type: 'lobby.admit', peerId: guestJoin.body.peerId });
      const member = await w.connect(gs.last('lobby.admitted')!.ticket);
      await member.send({ type: 'join' });
      const roster = member.last('welcome')!.roster.map(({ name, role, verified }) => ({ name, role, verified }));
      expect(roster).toEqual([
        { name: 'Ann', role: 'host', verified: true },
        { name: 'Ann', role: 'member', verified: false },
      ]);
      expect(hs.last('peer.joined')!.participant).toMatchObject({ name: 'Ann', verified: false });
    });
  });
});
