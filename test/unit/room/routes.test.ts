import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { HttpEvent } from '../../../functions/shared/http';
import { createRouter } from '../../../functions/api/router';
import { Unauthorized } from '../../../functions/shared/errors';
import { rateLimit, takeAttempt } from '../../../functions/shared/rate-limit';
import { setRedisForTesting } from '../../../functions/shared/redis';
import { roomIdSchema } from '../../../functions/shared/protocol/room';
import type { RoomTicketClaims } from '../../../functions/auth/tickets';
import { RedisMembership } from '../../../functions/shared/membership';
import { RedisLiveRoomState } from '../../../functions/room/live-state';
import { createRoomRoutes, type RoomRouteDeps } from '../../../functions/room/routes';
import { verifyPassword } from '../../../functions/room/password';
import { MemoryRoomStore } from './memory-room-store';
import { createRedisEmulation } from '../../../functions/shared/redis-emulation';

function event(method: string, path: string, body?: unknown, token?: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    requestContext: { http: { method, path, sourceIp: '203.0.113.9' }, requestId: 'r1' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

describe('rooms HTTP routes', () => {
  let redis: Redis;
  let store: MemoryRoomStore;
  let live: RedisLiveRoomState;
  let tickets: RoomTicketClaims[];
  let route: ReturnType<typeof createRouter>;

  beforeEach(() => {
    redis = createRedisEmulation({ keyPrefix: `t-${randomBytes(6).toString('hex')}:` });
    setRedisForTesting(redis);
    store = new MemoryRoomStore();
    live = new RedisLiveRoomState(() => redis);
    tickets = [];
    const deps: RoomRouteDeps = {
      store,
      live,
      membership: new RedisMembership(() => redis),
      // Tokens in these tests are "sub|name"; signature checks are tested in test/unit/auth.
      async verifyAccessToken(token) {
        const [sub, name] = token.split('|');
        if (!sub || !name) throw new Unauthorized('Invalid token', 'invalid-token');
        return { sub, name, kind: 'guest' };
      },
      async issueTicket(claims) {
        tickets.push(claims);
        return `ticket:${claims.sub}:${claims.role}`;
      },
      rateLimit,
      takeAttempt,
      limits: {
        roomCreate: { max: 3, windowSeconds: 3600 },
        roomJoin: { max: 30, windowSeconds: 60 },
        roomPasswordFailures: { max: 5, windowSeconds: 900 },
      },
      publicUrl: () => 'https://meet.example.com/',
      maxParticipants: () => 8,
      iceServers: async (sub) => [{ urls: 'turn:turn.example.com:3478', username: `123:${sub}`, credential: 'c' }],
    };
    route = createRouter(createRoomRoutes(() => deps));
  });
  afterEach(() => {
    setRedisForTesting(undefined);
    redis.disconnect();
  });

  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await route(event(method, path, body, token));
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };

  async function create(options: Record<string, unknown> = {}, token = 'sub-host|Hosta') {
    const res = await call('POST', '/api/rooms', options, token);
    expect(res.status).toBe(201);
    return res.body.roomId as string;
  }

  async function fill(roomId: string, count: number) {
    for (let i = 0; i < count; i += 1) {
      await live.putParticipant(roomId, {
        peerId: `pfill${i}`,
        sub: `sub-fill-${i}`,
        connectionId: `c${i}`,
        name: `F${i}`,
        verified: false,
        role: 'member',
        joinedAt: i,
        mic: false,
        cam: false,
        screen: false,
        speaking: false,
        handRaised: false,
      });
    }
  }

  describe('POST /api/rooms', () => {
    it('creates a room with an unguessable, readable id and a link; the creator is host', async () => {
      const res = await call('POST', '/api/rooms', { name: 'Standup', lobby: true }, 'sub-host|Hosta');
      expect(res.status).toBe(201);
      expect(res.body.roomId).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
      expect(res.body.url).toBe(`https://meet.example.com/r/${res.body.roomId}`);
      expect(await store.getRole(res.body.roomId, 'sub-host')).toBe('host');
      expect(await store.getRoom(res.body.roomId)).toMatchObject({
        name: 'Standup',
        lobby: true,
        locked: false,
        maxParticipants: 8,
        passwordHash: null,
      });
    });

    it('stores the password only as a salted scrypt hash (two rooms, same password, different hashes)', async () => {
      const a = await create({ password: 'hunter22' });
      const b = await create({ password: 'hunter22' });
      const ha = (await store.getRoom(a))!.passwordHash!;
      const hb = (await store.getRoom(b))!.passwordHash!;
      expect(ha).toMatch(/^scrypt\$/);
      expect(ha).not.toContain('hunter22');
      expect(ha).not.toBe(hb);
      expect(await verifyPassword('hunter22', ha)).toBe(true);
      expect(await verifyPassword('hunter23', ha)).toBe(false);
    });

    it.each([
      [{ maxParticipants: 9 }, 400, 'maxParticipants must be at most 8'],
      [{ maxParticipants: 1 }, 400, 'Invalid request'],
      [{ name: 'x'.repeat(81) }, 400, 'Invalid request'],
      [{ name: 'line\nbreak' }, 400, 'control characters'],
      [{ password: 'abc' }, 400, 'at least 4'],
      [{ lobby: 'yes' }, 400, 'Invalid request'],
      [{ isHost: true }, 400, 'Invalid request'],
      ['{not json', 400, 'not valid JSON'],
    ])('refuses %j with %i', async (body, status, message) => {
      const res = await call('POST', '/api/rooms', body, 'sub-host|Hosta');
      expect(res.status).toBe(status);
      expect(res.body.error.message).toContain(message);
      expect(store.rooms.size).toBe(0);
    });

    it('needs a signed-in user', async () => {
      expect((await call('POST', '/api/rooms', {})).status).toBe(401);
      expect((await call('POST', '/api/rooms', {}, 'garbage')).status).toBe(401);
    });

    it('limits how many rooms one user creates', async () => {
      for (let i = 0; i < 3; i += 1) await create();
      const res = await call('POST', '/api/rooms', {}, 'sub-host|Hosta');
      expect(res.status).toBe(429);
      expect(store.rooms.size).toBe(3);
    });

    it('keeps SQL and markup metacharacters in the name as data', async () => {
      const name = `<script>x</script>'); DROP TABLE rooms;--`;
      const id = await create({ name });
      expect((await call('GET', `/api/rooms/${id}`)).body.name).toBe(name);
    });
  });

  describe('GET /api/rooms/{id}', () => {
    it('shows public facts only', async () => {
      const id = await create({ name: 'Standup', password: 'secret!', lobby: true });
      await fill(id, 8);
      const res = await call('GET', `/api/rooms/${id}`);
      expect(res).toEqual({
        status: 200,
        body: {
          exists: true,
          id,
          name: 'Standup',
          needsPassword: true,
          lobby: true,
          locked: false,
          ended: false,
          full: true,
          participants: 8,
          maxParticipants: 8,
        },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/scrypt|sub-host/);
    });

    it('answers 404 for unknown and malformed ids without touching the store', async () => {
      expect((await call('GET', '/api/rooms/aaaa-bbbb-cccc-dddd')).status).toBe(404);
      const spy = jest.spyOn(store, 'getRoom');
      for (const bad of ["x' OR 1=1--", 'AAAA-BBBB-CCCC-DDDD', '..%2F..%2Fetc', 'a'.repeat(500)]) {
        const res = await call('GET', `/api/rooms/${encodeURIComponent(bad)}`);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('room-not-found');
      }
      expect(spy).not.toHaveBeenCalled();
    });
  });

  describe('POST /api/rooms/{id}/join', () => {
    it('joins an open room as member with a fresh peer id and a ticket for it', async () => {
      const id = await create();
      const a = await call('POST', `/api/rooms/${id}/join`, {}, 'sub-bob|Bob');
      const b = await call('POST', `/api/rooms/${id}/join`, {}, 'sub-bob|Bob');
      expect(a).toEqual({
        status: 200,
        body: {
          status: 'joined',
          ticket: 'ticket:sub-bob:member',
          peerId: expect.any(String),
          role: 'member',
          iceServers: [{ urls: 'turn:turn.example.com:3478', username: '123:sub-bob', credential: 'c' }],
        },
      });
      expect(a.body.peerId).toMatch(/^[A-Za-z0-9]+$/);
      expect(a.body.peerId).not.toBe(b.body.peerId);
      expect(tickets[0]).toEqual({
        sub: 'sub-bob',
        name: 'Bob',
        roomId: id,
        peerId: a.body.peerId,
        role: 'member',
        account: 'guest',
      });
      expect(await store.getRole(id, 'sub-bob')).toBe('member');
    });

    it('checks the password: missing, wrong, right (SQL metacharacters are just characters)', async () => {
      const id = await create({ password: "p' OR '1'='1" });
      const missing = await call('POST', `/api/rooms/${id}/join`, {}, 'sub-bob|Bob');
      const wrong = await call('POST', `/api/rooms/${id}/join`, { password: "' OR '1'='1" }, 'sub-bob|Bob');
      expect([missing.status, missing.body.error.code]).toEqual([403, 'password-required']);
      expect([wrong.status, wrong.body.error.code]).toEqual([403, 'wrong-password']);
      expect(tickets).toEqual([]);
      const right = await call('POST', `/api/rooms/${id}/join`, { password: "p' OR '1'='1" }, 'sub-bob|Bob');
      expect(right.body.status).toBe('joined');
    });

    describe('wrong passwords are limited per room, whoever sends them from wherever', () => {
      // A fixed clock on a window boundary, so the five failures cannot straddle two windows.
      const NOW = 1_764_000_000_000;
      // Each attempt verifies a password at the production scrypt cost (OWASP's N=2^17): a dozen of them take
      // seconds on a busy 2-core machine, so these cases get a larger budget than the tier's (hang-timeout.ts).
      const SCRYPT_HEAVY_MS = 60_000;
      beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
      afterEach(() => jest.restoreAllMocks());

      let n = 0;
      /** Each attempt from a fresh guest identity on a fresh address, as a guesser with a botnet would send it. */
      const attempt = async (id: string, password: string, token = `sub-guesser${(n += 1)}|Guesser`) => {
        const e = event('POST', `/api/rooms/${id}/join`, { password }, token);
        e.requestContext.http.sourceIp = n % 2 ? `198.51.${n % 256}.${(n * 7) % 256}` : `2001:db8:${n.toString(16)}::1`;
        const res = await route(e);
        return { status: res.statusCode, body: JSON.parse(res.body!), retryAfter: res.headers?.['retry-after'] };
      };

      it(
        'after 5 wrong passwords from rotating addresses and identities, the room answers 429 with Retry-After',
        async () => {
          const id = await create({ password: 'correct horse' });
          for (let i = 0; i < 5; i += 1)
            expect((await attempt(id, `guess-${i}`)).body.error.code).toBe('wrong-password');
          const refused = await attempt(id, 'guess-6');
          expect(refused.status).toBe(429);
          expect(refused.body.error.message).toMatch(/Too many wrong passwords for this room: wait 900 s/);
          expect(refused.retryAfter).toBe('900');
          // The right password is refused too until the window passes: otherwise guess 6 would still be checked.
          expect((await attempt(id, 'correct horse')).status).toBe(429);
          expect(tickets).toEqual([]);
          // People let in before never type the password again, so the host is not locked out of their room...
          expect((await call('POST', `/api/rooms/${id}/join`, {}, 'sub-host|Hosta')).body.status).toBe('joined');
          // ...and another room's budget is its own.
          const other = await create({ password: 'correct horse' });
          expect((await attempt(other, 'correct horse')).body.status).toBe('joined');
        },
        SCRYPT_HEAVY_MS,
      );

      it(
        'right passwords do not use up the budget',
        async () => {
          const id = await create({ password: 'correct horse' });
          for (let i = 0; i < 8; i += 1) expect((await attempt(id, 'correct horse')).body.status).toBe('joined');
          for (let i = 0; i < 5; i += 1) expect((await attempt(id, 'wrong')).status).toBe(403);
        },
        SCRYPT_HEAVY_MS,
      );
    });

    it('the host comes back without password, lobby or lock, as host', async () => {
      const id = await create({ password: 'secret!', lobby: true });
      await store.setLocked(id, true);
      const res = await call('POST', `/api/rooms/${id}/join`, {}, 'sub-host|Hosta');
      expect(res.body).toMatchObject({ status: 'joined', role: 'host', ticket: 'ticket:sub-host:host' });
    });

    it('sends newcomers to the lobby when it is on', async () => {
      const id = await create({ lobby: true });
      const res = await call('POST', `/api/rooms/${id}/join`, {}, 'sub-bob|Bob');
      expect(res.body).toMatchObject({ status: 'lobby', role: 'lobby', ticket: 'ticket:sub-bob:lobby' });
      expect(res.body.iceServers).toBeUndefined();
      expect(await store.getRole(id, 'sub-bob')).toBeUndefined();
    });

    it('refuses a locked room, a full room (with the count), a removed identity and an ended meeting', async () => {
      const locked = await create();
      await store.setLocked(locked, true);
      const full = await create();
      await fill(full, 8);
      const removedFrom = await create();
      await store.recordRemoval(removedFrom, 'sub-bob', 'sub-host', 'spam');
      const ended = await create({}, 'sub-other|O');
      await store.endRoom(ended);
      const results = await Promise.all(
        [locked, full, removedFrom, ended].map((id) => call('POST', `/api/rooms/${id}/join`, {}, 'sub-bob|Bob')),
      );
      expect(results.map((r) => [r.status, r.body.error.code, r.body.error.message])).toEqual([
        [403, 'room-locked', 'The host has locked this meeting'],
        [409, 'room-full', 'Room is full (8/8)'],
        [403, 'removed', 'You were removed from this meeting and cannot rejoin it'],
        [410, 'room-ended', 'This meeting has ended'],
      ]);
      expect(tickets).toEqual([]);
    });

    it('a removed identity is refused even with the right password and a member row', async () => {
      const id = await create({ password: 'secret!' });
      await store.addMember(id, { sub: 'sub-bob', name: 'Bob' }, 'member');
      await store.recordRemoval(id, 'sub-bob', 'sub-host', 'spam');
      const res = await call('POST', `/api/rooms/${id}/join`, { password: 'secret!' }, 'sub-bob|Bob');
      expect(res.status).toBe(403);
    });

    it('refuses unknown fields and oversized passwords', async () => {
      const id = await create();
      expect((await call('POST', `/api/rooms/${id}/join`, { role: 'host' }, 'sub-bob|Bob')).status).toBe(400);
      expect((await call('POST', `/api/rooms/${id}/join`, { password: 'x'.repeat(129) }, 'sub-bob|Bob')).status).toBe(
        400,
      );
      expect(tickets).toEqual([]);
    });

    it('cuts long names to 40 characters in the ticket', async () => {
      const id = await create();
      await call('POST', `/api/rooms/${id}/join`, {}, `sub-long|${'N'.repeat(100)}`);
      expect(tickets[0]!.name).toBe('N'.repeat(40));
    });
  });

  it('room ids are valid per the shared schema', async () => {
    const id = await create();
    expect(roomIdSchema.safeParse(id).success).toBe(true);
  });
});

describe('per-address join limit behind CloudFront', () => {
  const EDGE_SECRET = 'origin-secret-from-cloudfront';
  let keys: string[];
  let route: ReturnType<typeof createRouter>;
  let roomId: string;
  let redis: Redis;

  beforeEach(async () => {
    redis = createRedisEmulation({ keyPrefix: `t-${randomBytes(6).toString('hex')}:` });
    const store = new MemoryRoomStore();
    keys = [];
    const deps: RoomRouteDeps = {
      store,
      live: new RedisLiveRoomState(() => redis),
      membership: new RedisMembership(() => redis),
      async verifyAccessToken(token) {
        const [sub, name] = token.split('|');
        return { sub: sub!, name: name!, kind: 'guest' };
      },
      issueTicket: async (claims) => `ticket:${claims.sub}`,
      // Records which counters a request touches; the counting itself is tested with rate-limit.ts.
      rateLimit: async (key) => void keys.push(key),
      takeAttempt: async () => ({ refund: async () => undefined }),
      limits: {
        roomCreate: { max: 3, windowSeconds: 3600 },
        roomJoin: { max: 30, windowSeconds: 60 },
        roomPasswordFailures: { max: 5, windowSeconds: 900 },
      },
      publicUrl: () => 'https://meet.example.com/',
      maxParticipants: () => 8,
      iceServers: async () => [],
      edgeSecret: async () => EDGE_SECRET,
    };
    route = createRouter(createRoomRoutes(() => deps));
    const created = await route(event('POST', '/api/rooms', {}, 'sub-host|Hosta'));
    roomId = JSON.parse(created.body!).roomId as string;
    keys = [];
  });
  afterEach(() => redis.disconnect());

  const join = async (headers: Record<string, string>) => {
    const e = event('POST', `/api/rooms/${roomId}/join`, {}, 'sub-guest|Guest');
    e.headers = { ...e.headers, ...headers };
    expect((await route(e)).statusCode).toBe(200);
    return keys.filter((k) => k.startsWith('room-join-ip:'));
  };

  it('counts the viewer CloudFront names, not the edge server every nearby participant shares', async () => {
    const keysUsed = await join({ 'x-origin-verify': EDGE_SECRET, 'cloudfront-viewer-address': '198.51.100.4:50000' });
    expect(keysUsed).toEqual([`room-join-ip:${roomId}:198.51.100.4`]);
  });

  it('counts an IPv6 viewer by its /64, so rotating addresses inside one subscriber prefix does not help', async () => {
    const first = await join({ 'x-origin-verify': EDGE_SECRET, 'cloudfront-viewer-address': '2001:db8:0:1::5:443' });
    keys = [];
    const second = await join({
      'x-origin-verify': EDGE_SECRET,
      'cloudfront-viewer-address': '2001:db8:0:1:a1b2:c3d4:e5f6:789:443',
    });
    expect(first).toEqual([`room-join-ip:${roomId}:2001:db8:0:1::/64`]);
    expect(second).toEqual(first);
  });

  it('counts the source address when the viewer address comes without the origin secret', async () => {
    const keysUsed = await join({ 'x-origin-verify': 'guessed', 'cloudfront-viewer-address': '198.51.100.4:50000' });
    expect(keysUsed).toEqual([`room-join-ip:${roomId}:203.0.113.9`]);
  });
});
