import type { ClientMessage } from '../../../functions/shared/protocol/room';
import { createHarness, type Harness, type Sock } from './harness';

/**
 * Every host action, attempted by someone who may not do it. The original product only hid these buttons; here
 * each attempt must be refused by the server with `not_allowed`, reach nobody, and change nothing.
 */
describe('host controls are checked on the server', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  let carol: Sock;
  let waiter: Sock;

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom({ lobby: true });
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    carol = await h.joined(roomId, 'sub-carol', { name: 'Carol', mic: true });
    waiter = h.socket(roomId, 'sub-wait', { name: 'Wanda', role: 'lobby' });
    await h.send(waiter, { type: 'knock' });
    h.clear();
  });
  afterEach(() => h.restore());

  async function snapshot() {
    return {
      roster: await h.roster(roomId),
      lobby: await h.deps.live.lobby(roomId),
      room: await h.store.getRoom(roomId),
      members: [...h.store.members.entries()],
      removals: [...h.store.removals.entries()],
      closed: [...h.closed],
      tickets: [...h.tickets],
    };
  }

  const attempts = (): [string, ClientMessage][] => [
    ['lobby.admit', { type: 'lobby.admit', peerId: waiter.peerId, ref: 'x' }],
    ['lobby.deny', { type: 'lobby.deny', peerId: waiter.peerId, ref: 'x' }],
    ['host.cohost', { type: 'host.cohost', peerId: bob.peerId, cohost: true, ref: 'x' }],
    ['host.lock', { type: 'host.lock', locked: true, ref: 'x' }],
    ['host.remove', { type: 'host.remove', peerId: carol.peerId, reason: 'bye', ref: 'x' }],
    ['host.remove of the host', { type: 'host.remove', peerId: host.peerId, ref: 'x' }],
    ['host.muteAll', { type: 'host.muteAll', ref: 'x' }],
    ['host.askUnmute', { type: 'host.askUnmute', peerId: carol.peerId, ref: 'x' }],
    ['host.end', { type: 'host.end', ref: 'x' }],
  ];

  const ATTEMPTS = [
    'lobby.admit',
    'lobby.deny',
    'host.cohost',
    'host.lock',
    'host.remove',
    'host.remove of the host',
    'host.muteAll',
    'host.askUnmute',
    'host.end',
  ];

  it('covers every host action in the protocol', () => {
    expect(attempts().map(([n]) => n)).toEqual(ATTEMPTS);
  });

  it.each(ATTEMPTS)('a member sending %s is refused and nothing changes', async (name) => {
    const [, message] = attempts().find(([n]) => n === name)!;
    const before = await snapshot();
    await h.send(bob, message);
    expect(h.inbox(bob)).toEqual([expect.objectContaining({ type: 'error', code: 'not_allowed', ref: 'x' })]);
    for (const other of [host, carol, waiter]) expect(h.inbox(other)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it.each(['host.cohost', 'host.end'])('a cohost sending the host-only %s is refused', async (name) => {
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    h.clear();
    const message: ClientMessage =
      name === 'host.end' ? { type: 'host.end' } : { type: 'host.cohost', peerId: carol.peerId, cohost: true };
    const before = await snapshot();
    await h.send(bob, message);
    expect(h.inbox(bob)).toEqual([expect.objectContaining({ type: 'error', code: 'not_allowed' })]);
    expect(h.inbox(carol)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('a cohost cannot remove the host or another cohost, but can remove a member', async () => {
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    await h.send(host, { type: 'host.cohost', peerId: carol.peerId, cohost: true });
    await h.send(bob, { type: 'host.remove', peerId: host.peerId });
    await h.send(bob, { type: 'host.remove', peerId: carol.peerId });
    expect(h.of(bob, 'error').map((e) => e.message)).toEqual([
      'A cohost cannot remove the host or a cohost',
      'A cohost cannot remove the host or a cohost',
    ]);
    expect((await h.roster(roomId)).length).toBe(3);
    await h.send(host, { type: 'host.cohost', peerId: carol.peerId, cohost: false });
    await h.send(bob, { type: 'host.remove', peerId: carol.peerId });
    expect(await h.store.isRemoved(roomId, 'sub-carol')).toBe(true);
  });

  it('a cohost who lost the role loses the powers at once (the live role is checked, not the ticket)', async () => {
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    await h.send(bob, { type: 'host.lock', locked: true });
    expect((await h.store.getRoom(roomId))!.locked).toBe(true);
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: false });
    h.clear();
    await h.send(bob, { type: 'host.lock', locked: false });
    expect(h.last(bob, 'error')!.code).toBe('not_allowed');
    expect((await h.store.getRoom(roomId))!.locked).toBe(true);
  });

  it('a ticket claiming "host" does not make its holder host: the store decides', async () => {
    await h.store.addMember(roomId, { sub: 'sub-mallory', name: 'M' }, 'member');
    const mallory = h.socket(roomId, 'sub-mallory', { role: 'host' });
    await h.send(mallory, { type: 'join' });
    expect(h.last(mallory, 'welcome')!.self.role).toBe('member');
    await h.send(mallory, { type: 'host.end' });
    expect(h.last(mallory, 'error')!.code).toBe('not_allowed');
    expect((await h.store.getRoom(roomId))!.ended).toBe(false);
  });
});

describe('a host of one room has no power in another', () => {
  let h: Harness;
  afterEach(() => h.restore());

  it('cannot admit, deny, remove, mute or ask to unmute people of another room', async () => {
    h = createHarness();
    const mine = await h.createRoom({ hostSub: 'sub-mallory' });
    const theirs = await h.createRoom({ lobby: true });
    const mallory = await h.joined(mine, 'sub-mallory');
    const host = await h.joined(theirs, 'sub-host');
    const bob = await h.joined(theirs, 'sub-bob');
    const waiting = h.socket(theirs, 'sub-wait', { role: 'lobby' });
    await h.send(waiting, { type: 'knock' });
    h.clear();
    await h.send(mallory, { type: 'lobby.admit', peerId: waiting.peerId });
    await h.send(mallory, { type: 'lobby.deny', peerId: waiting.peerId });
    await h.send(mallory, { type: 'host.remove', peerId: bob.peerId });
    await h.send(mallory, { type: 'host.askUnmute', peerId: bob.peerId });
    await h.send(mallory, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    await h.send(mallory, { type: 'host.muteAll' });
    expect(h.of(mallory, 'error').map((e) => e.code)).toEqual(Array(5).fill('not_found'));
    for (const s of [host, bob, waiting]) expect(h.inbox(s)).toEqual([]);
    expect((await h.deps.live.lobby(theirs)).map((w) => w.peerId)).toEqual([waiting.peerId]);
    expect((await h.roster(theirs)).map((p) => [p.sub, p.role, p.mic])).toEqual([
      ['sub-host', 'host', true],
      ['sub-bob', 'member', true],
    ]);
    expect(h.store.removals.size).toBe(0);
    expect(h.tickets).toEqual([]);
  });
});

describe('host actions by the host', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  let carol: Sock;

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta', mic: true });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob', mic: true });
    carol = await h.joined(roomId, 'sub-carol', { name: 'Carol', mic: true });
    h.clear();
  });
  afterEach(() => h.restore());

  it('make/unmake cohost updates the role for everyone and shows the new cohost the lobby', async () => {
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    expect(await h.store.getRole(roomId, 'sub-bob')).toBe('cohost');
    expect(h.last(carol, 'roster.update')!.roster.find((p) => p.peerId === bob.peerId)!.role).toBe('cohost');
    expect(h.last(bob, 'lobby.update')).toEqual({ type: 'lobby.update', lobby: [] });
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: false });
    expect(await h.store.getRole(roomId, 'sub-bob')).toBe('member');
    await h.send(host, { type: 'host.cohost', peerId: host.peerId, cohost: true });
    expect(h.last(host, 'error')!.code).toBe('not_allowed');
    expect(await h.store.getRole(roomId, 'sub-host')).toBe('host');
  });

  it('lock/unlock is stored and announced', async () => {
    await h.send(host, { type: 'host.lock', locked: true });
    expect((await h.store.getRoom(roomId))!.locked).toBe(true);
    expect(h.last(bob, 'room.update')!.room.locked).toBe(true);
    await h.send(host, { type: 'host.lock', locked: false });
    expect(h.last(carol, 'room.update')!.room.locked).toBe(false);
  });

  it('remove: the target is told why, all their sockets close, the removal is recorded, the room is told', async () => {
    await h.send(host, { type: 'host.remove', peerId: bob.peerId, reason: 'Spamming <b>chat</b>' });
    expect(h.last(bob, 'host.removed')).toEqual({ type: 'host.removed', by: 'Hosta', reason: 'Spamming <b>chat</b>' });
    expect(h.closed).toContain(bob.connectionId);
    expect(h.closed).toContain(h.peerSocketOf(bob)); // the PeerJS socket too: no more media signaling
    expect(h.store.removals.get(`${roomId}|sub-bob`)).toEqual({
      removedBy: 'sub-host',
      reason: 'Spamming <b>chat</b>',
    });
    expect(h.last(carol, 'peer.left')).toEqual({ type: 'peer.left', peerId: bob.peerId, reason: 'removed' });
    expect((await h.roster(roomId)).map((p) => p.sub)).toEqual(['sub-host', 'sub-carol']);
  });

  it('a removed identity cannot rejoin, knock, or act through a socket it still holds', async () => {
    await h.send(host, { type: 'host.remove', peerId: bob.peerId });
    const again = h.socket(roomId, 'sub-bob');
    await h.send(again, { type: 'join' });
    expect(h.last(again, 'error')).toMatchObject({
      code: 'not_allowed',
      message: 'You were removed from this meeting',
    });
    const knocking = h.socket(roomId, 'sub-bob', { role: 'lobby' });
    await h.send(knocking, { type: 'knock' });
    expect(h.last(knocking, 'error')!.code).toBe('not_allowed');
    expect(await h.deps.live.lobby(roomId)).toEqual([]);
    h.closed.delete(bob.connectionId);
    await h.send(bob, { type: 'chat.send', text: 'still here?' });
    expect(h.of(carol, 'chat.message')).toEqual([]);
    expect(h.store.chat).toEqual([]);
  });

  it('nobody can remove themselves (leave instead) or someone not in the room', async () => {
    await h.send(host, { type: 'host.remove', peerId: host.peerId });
    await h.send(host, { type: 'host.remove', peerId: 'pnobody' });
    expect(h.of(host, 'error').map((e) => e.code)).toEqual(['not_allowed', 'not_found']);
    expect(h.store.removals.size).toBe(0);
  });

  it('mute everyone sets mic off for all but the host; twice still means off (sets, never toggles)', async () => {
    await h.send(carol, { type: 'state', mic: false });
    await h.send(host, { type: 'host.muteAll' });
    await h.send(host, { type: 'host.muteAll' });
    const roster = await h.roster(roomId);
    expect(Object.fromEntries(roster.map((p) => [p.sub, p.mic]))).toEqual({
      'sub-host': true,
      'sub-bob': false,
      'sub-carol': false,
    });
    expect(h.last(bob, 'host.mutedAll')).toEqual({ type: 'host.mutedAll', by: 'Hosta' });
    expect(h.of(host, 'host.mutedAll')).toEqual([]);
  });

  it('ask to unmute only asks: the target gets a request and their mic stays off', async () => {
    await h.send(host, { type: 'host.muteAll' });
    await h.send(host, { type: 'host.askUnmute', peerId: bob.peerId });
    expect(h.of(bob, 'host.unmuteRequest')).toEqual([{ type: 'host.unmuteRequest', by: 'Hosta' }]);
    expect(h.of(carol, 'host.unmuteRequest')).toEqual([]);
    expect((await h.deps.live.getParticipant(roomId, bob.peerId))!.mic).toBe(false);
  });

  it('end meeting: everyone (lobby too) is told, every socket closes, the room is over for good', async () => {
    const waiting = h.socket(roomId, 'sub-wait', { role: 'lobby' });
    await h.send(waiting, { type: 'knock' });
    await h.send(host, { type: 'host.end' });
    for (const s of [host, bob, carol, waiting]) {
      expect(h.last(s, 'room.ended')).toEqual({ type: 'room.ended', by: 'Hosta' });
      expect(h.closed).toContain(s.connectionId);
      expect(h.closed).toContain(h.peerSocketOf(s));
    }
    expect((await h.store.getRoom(roomId))!.ended).toBe(true);
    expect(await h.roster(roomId)).toEqual([]);
    const late = h.socket(roomId, 'sub-bob');
    await h.send(late, { type: 'join' });
    expect(h.last(late, 'error')!.code).toBe('room_ended');
  });
});
