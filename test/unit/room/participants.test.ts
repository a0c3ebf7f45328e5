import { onRoomSocketDisconnected } from '../../../functions/room/lifecycle';
import { createHarness, type Harness, type Sock } from './harness';

describe('room socket: join, roster, state, leave', () => {
  let h: Harness;
  let roomId: string;
  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
  });
  afterEach(() => h.restore());

  it('welcomes a joiner with self, room settings, roster and chat, and tells the others', async () => {
    const host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    const bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    const welcome = h.last(bob, 'welcome')!;
    expect(welcome.self).toMatchObject({ peerId: bob.peerId, name: 'Bob', role: 'member', mic: true, cam: true });
    expect(welcome.room).toEqual({
      id: roomId,
      name: 'Standup',
      locked: false,
      lobby: false,
      needsPassword: false,
      maxParticipants: 8,
    });
    expect(welcome.roster.map((p) => p.peerId)).toEqual([host.peerId, bob.peerId]);
    expect(welcome.lobby).toEqual([]);
    expect(h.last(host, 'peer.joined')!.participant).toMatchObject({ peerId: bob.peerId, name: 'Bob' });
    // Identities stay on the server.
    expect(JSON.stringify(h.inbox(host))).not.toContain('sub-bob');
    expect(JSON.stringify(welcome)).not.toContain('conn-');
  });

  it("carries an account's avatar from its user row on its roster entry and chat; never a guest's", async () => {
    const host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    const key = 'avatars/sub-ann/AAAAAAAAAAAAAAAAAAAAAAAA.webp';
    h.store.avatars.set('sub-ann', key);
    // A guest's row is never read, even if one held a key (guests cannot upload: functions/avatars/).
    h.store.avatars.set('sub-guest', 'avatars/sub-guest/BBBBBBBBBBBBBBBBBBBBBBBB.webp');
    await h.store.addMember(roomId, { sub: 'sub-ann', name: 'Ann' }, 'member');
    const ann = h.socket(roomId, 'sub-ann', { name: 'Ann', account: 'email' });
    await h.send(ann, { type: 'join', state: { cam: false } });
    expect(h.last(ann, 'welcome')!.self.avatarUrl).toBe(`/${key}`);
    expect(h.last(host, 'peer.joined')!.participant).toMatchObject({ name: 'Ann', avatarUrl: `/${key}` });
    await h.send(ann, { type: 'chat.send', text: 'hello' });
    expect(h.last(host, 'chat.message')!.message).toMatchObject({ text: 'hello', avatarUrl: `/${key}` });

    const guest = await h.joined(roomId, 'sub-guest', { name: 'Gus' });
    expect(h.last(guest, 'welcome')!.self).not.toHaveProperty('avatarUrl');
    await h.send(guest, { type: 'chat.send', text: 'hi' });
    expect(h.last(host, 'chat.message')!.message).not.toHaveProperty('avatarUrl');
  });

  it('refuses join from an identity that was never let in', async () => {
    const stranger = h.socket(roomId, 'sub-stranger');
    await h.send(stranger, { type: 'join', ref: 'j1' });
    expect(h.inbox(stranger)).toEqual([
      { type: 'error', code: 'not_allowed', message: 'You have not been admitted to this room', ref: 'j1' },
    ]);
    expect(await h.roster(roomId)).toEqual([]);
  });

  it('refuses a join beyond capacity with the count, but lets the same person join again in their own seat', async () => {
    const small = await h.createRoom({ max: 2 });
    await h.joined(small, 'sub-host');
    const a = await h.joined(small, 'sub-a');
    await h.store.addMember(small, { sub: 'sub-c', name: 'c' }, 'member');
    const c = h.socket(small, 'sub-c');
    await h.send(c, { type: 'join' });
    expect(h.last(c, 'error')).toMatchObject({ code: 'room_full', message: 'Room is full (2/2)' });
    const secondTab = h.socket(small, 'sub-a');
    await h.send(secondTab, { type: 'join' });
    expect(h.last(secondTab, 'welcome')).toBeDefined();
    // One identity is one roster entry: the new tab took the first one's place (and seat).
    expect((await h.roster(small)).filter((p) => p.sub === a.sub).map((p) => p.peerId)).toEqual([secondTab.peerId]);
    expect(h.closed.has(a.connectionId)).toBe(true);
  });

  it('two joins racing for the last seat: exactly one gets in, the other is told the room is full', async () => {
    const small = await h.createRoom({ max: 2 });
    await h.joined(small, 'sub-host');
    await h.store.addMember(small, { sub: 'sub-a', name: 'a' }, 'member');
    await h.store.addMember(small, { sub: 'sub-b', name: 'b' }, 'member');
    const a = h.socket(small, 'sub-a');
    const b = h.socket(small, 'sub-b');
    await Promise.all([h.send(a, { type: 'join' }), h.send(b, { type: 'join' })]);
    const outcomes = [a, b].map((s) => (h.inbox(s)[0]?.type === 'welcome' ? 'in' : h.last(s, 'error')?.code));
    expect(outcomes.sort()).toEqual(['in', 'room_full']);
    expect(new Set((await h.roster(small)).map((p) => p.sub)).size).toBe(2);
  });

  it('keeps the welcome under API Gateway’s 128 KB message limit: newest chat that fits, in order', async () => {
    const busy = createHarness({ chat: { max: 1000, windowSeconds: 60 } });
    try {
      const r = await busy.createRoom();
      const a = await busy.joined(r, 'sub-host');
      const long = (i: number) => `${i}:`.padEnd(2000, '語');
      for (let i = 1; i <= 50; i += 1) await busy.send(a, { type: 'chat.send', text: long(i) });
      const late = await busy.joined(r, 'sub-late');
      const welcome = busy.last(late, 'welcome')!;
      expect(Buffer.byteLength(JSON.stringify(welcome))).toBeLessThan(128 * 1024);
      const ids = welcome.chat.map((m) => Number(m.text.split(':')[0]));
      expect(ids.length).toBeGreaterThan(10);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_v, k) => 51 - ids.length + k));
    } finally {
      await busy.restore();
    }
  });

  it('sets (never toggles) the sender’s own flags and sends everyone the roster', async () => {
    const host = await h.joined(roomId, 'sub-host');
    const bob = await h.joined(roomId, 'sub-bob', { mic: false });
    await h.send(bob, { type: 'state', mic: true, handRaised: true });
    await h.send(bob, { type: 'state', mic: true });
    const roster = h.last(host, 'roster.update')!.roster;
    expect(roster.find((p) => p.peerId === bob.peerId)).toMatchObject({ mic: true, handRaised: true, cam: true });
    await h.send(bob, { type: 'state', speaking: true, screen: true });
    expect((await h.deps.live.getParticipant(roomId, bob.peerId))!).toMatchObject({
      mic: true,
      speaking: true,
      screen: true,
    });
  });

  it('cannot set another participant’s state: the fields are the sender’s own and extra fields are refused', async () => {
    const host = await h.joined(roomId, 'sub-host', { mic: true });
    const bob = await h.joined(roomId, 'sub-bob');
    await h.send(bob, { type: 'state', mic: false, peerId: host.peerId });
    expect(h.last(bob, 'error')!.code).toBe('invalid_message');
    expect((await h.deps.live.getParticipant(roomId, host.peerId))!.mic).toBe(true);
  });

  it('refuses in-room messages before join, and from a stale socket whose peer id moved to a newer one', async () => {
    await h.joined(roomId, 'sub-host');
    await h.store.addMember(roomId, { sub: 'sub-bob', name: 'Bob' }, 'member');
    const early = h.socket(roomId, 'sub-bob');
    await h.send(early, { type: 'chat.send', text: 'hi' });
    expect(h.last(early, 'error')!.code).toBe('not_in_room');
    await h.send(early, { type: 'join' });
    const newer = h.socket(roomId, 'sub-bob', { peerId: early.peerId });
    await h.send(newer, { type: 'join' });
    expect(h.closed).toContain(early.connectionId);
    h.closed.delete(early.connectionId); // even if the old socket were still open, it no longer speaks for bob
    await h.send(early, { type: 'state', mic: true });
    expect(h.last(early, 'error')!.code).toBe('not_in_room');
  });

  it('leave removes the participant, tells the room and closes the socket', async () => {
    const host = await h.joined(roomId, 'sub-host');
    const bob = await h.joined(roomId, 'sub-bob');
    await h.send(bob, { type: 'leave' });
    expect(h.last(host, 'peer.left')).toEqual({ type: 'peer.left', peerId: bob.peerId, reason: 'left' });
    expect((await h.roster(roomId)).map((p) => p.peerId)).toEqual([host.peerId]);
    expect(h.closed).toContain(bob.connectionId);
  });

  it('a closed socket leaves the room as "disconnected"; a socket replaced by a newer one changes nothing', async () => {
    const host = await h.joined(roomId, 'sub-host');
    const bob = await h.joined(roomId, 'sub-bob');
    const record = h.registry.get(bob.connectionId)!;
    const newer = h.socket(roomId, 'sub-bob', { peerId: bob.peerId });
    await h.send(newer, { type: 'join' });
    await onRoomSocketDisconnected(record, h.deps);
    expect((await h.roster(roomId)).map((p) => p.connectionId)).toContain(newer.connectionId);
    await onRoomSocketDisconnected({ ...h.registry.get(newer.connectionId)! }, h.deps);
    expect(h.last(host, 'peer.left')).toEqual({ type: 'peer.left', peerId: bob.peerId, reason: 'disconnected' });
    expect((await h.roster(roomId)).map((p) => p.peerId)).toEqual([host.peerId]);
  });

  it('drops participants whose socket is gone when a broadcast finds them (lost $disconnect)', async () => {
    const host = await h.joined(roomId, 'sub-host');
    const bob = await h.joined(roomId, 'sub-bob');
    const carol = await h.joined(roomId, 'sub-carol');
    h.closed.add(bob.connectionId);
    await h.send(carol, { type: 'state', handRaised: true });
    expect(h.of(host, 'peer.left')).toContainEqual({ type: 'peer.left', peerId: bob.peerId, reason: 'disconnected' });
    expect((await h.roster(roomId)).map((p) => p.peerId)).toEqual([host.peerId, carol.peerId]);
  });
});

describe('host hand-over', () => {
  let h: Harness;
  let roomId: string;
  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
  });
  afterEach(() => h.restore());

  it('goes to a cohost before a longer-present member', async () => {
    const host = await h.joined(roomId, 'sub-host');
    const early = await h.joined(roomId, 'sub-early');
    const co = await h.joined(roomId, 'sub-co');
    await h.send(host, { type: 'host.cohost', peerId: co.peerId, cohost: true });
    await h.send(host, { type: 'leave' });
    expect(await h.store.getRole(roomId, 'sub-co')).toBe('host');
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('member');
    const roster = h.last(early, 'roster.update')!.roster;
    expect(roster.find((p) => p.peerId === co.peerId)!.role).toBe('host');
    expect(roster.find((p) => p.peerId === early.peerId)!.role).toBe('member');
  });

  it('goes to the longest-present member when there is no cohost, and says who and why', async () => {
    const host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    const first = await h.joined(roomId, 'sub-first', { name: 'First' });
    await h.joined(roomId, 'sub-second');
    await h.send(host, { type: 'leave' });
    expect(await h.store.getRole(roomId, 'sub-first')).toBe('host');
    expect((await h.deps.live.getParticipant(roomId, first.peerId))!.role).toBe('host');
    expect(h.last(first, 'lobby.update')).toEqual({ type: 'lobby.update', lobby: [] });
    expect(h.last(first, 'host.changed')).toEqual({
      type: 'host.changed',
      name: 'First',
      previous: 'Hosta',
      reason: 'left',
    });
  });

  it('does not happen when nobody is left: the host keeps the role for their return', async () => {
    const alone = await h.createRoom();
    const soloHost = await h.joined(alone, 'sub-host');
    await h.send(soloHost, { type: 'leave' });
    expect(await h.store.getRole(alone, 'sub-host')).toBe('host');
  });
});

describe('a host whose connection drops keeps the role for the grace period', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let first: Sock;
  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    first = await h.joined(roomId, 'sub-first', { name: 'First' });
    await onRoomSocketDisconnected(h.registry.get(host.connectionId)!, h.deps);
  });
  afterEach(() => h.restore());

  it('tells the room the host is away and for how long, and hands nothing over yet', async () => {
    expect(h.last(first, 'host.away')).toEqual({ type: 'host.away', name: 'Hosta', graceSeconds: 120 });
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('host');
    await h.send(first, { type: 'grace.expired' }); // too early: the server checks the time itself
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('host');
    expect(h.of(first, 'host.changed')).toEqual([]);
  });

  it('a host back within the grace period is host again, and a late ask changes nothing', async () => {
    h.advance(60_000);
    const back = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    expect(h.last(back, 'welcome')!.self.role).toBe('host');
    h.advance(120_000);
    await h.send(first, { type: 'grace.expired' });
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('host');
    expect(await h.store.getRole(roomId, 'sub-first')).toBe('member');
  });

  it('after the grace period the longest-present participant becomes host, once however many ask', async () => {
    const second = await h.joined(roomId, 'sub-second', { name: 'Second' });
    h.advance(121_000);
    await Promise.all([h.send(first, { type: 'grace.expired' }), h.send(second, { type: 'grace.expired' })]);
    expect(await h.store.getRole(roomId, 'sub-first')).toBe('host');
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('member');
    expect(h.of(second, 'host.changed')).toEqual([
      { type: 'host.changed', name: 'First', previous: 'Hosta', reason: 'away' },
    ]);
  });

  it('an outsider cannot ask: a socket that has not joined is refused', async () => {
    h.advance(121_000);
    const stranger = h.socket(roomId, 'sub-stranger');
    await h.send(stranger, { type: 'grace.expired' });
    expect(h.last(stranger, 'error')).toMatchObject({ code: 'not_in_room' });
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('host');
  });
});
