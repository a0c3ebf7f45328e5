import { createHarness, type Harness, type Sock } from './harness';

/**
 * Membership (functions/shared/membership.ts) is the one fact every door reads. These tests drive the room socket
 * and check the fact after each exit, plus the rule that one identity is one roster entry.
 */
describe('room membership: every exit ends it, every door checks it', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom({ lobby: true });
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    h.clear();
  });
  afterEach(() => h.restore());

  const current = (sub: string) => h.deps.membership.currentPeer(roomId, sub);

  it('leave ends the membership and closes both of the leaver’s sockets (room and PeerJS)', async () => {
    await h.send(bob, { type: 'leave' });
    expect(await current('sub-bob')).toBeUndefined();
    expect(h.closed).toEqual(new Set([bob.connectionId, h.peerSocketOf(bob)]));
    expect(h.last(host, 'peer.left')).toEqual({ type: 'peer.left', peerId: bob.peerId, reason: 'left' });
  });

  it('the ticket that left cannot join again; it is told why and its socket is closed', async () => {
    await h.send(bob, { type: 'leave' });
    const again = h.socket(roomId, 'sub-bob', { peerId: bob.peerId, admit: false });
    await h.send(again, { type: 'join' });
    expect(h.last(again, 'error')).toMatchObject({ code: 'not_a_member' });
    expect(h.closed.has(again.connectionId)).toBe(true);
    expect((await h.roster(roomId)).map((p) => p.sub)).toEqual(['sub-host']);
  });

  it('removal ends the membership of every ticket the person holds', async () => {
    await h.send(host, { type: 'host.remove', peerId: bob.peerId });
    expect(await current('sub-bob')).toBeUndefined();
    expect(h.closed.has(h.peerSocketOf(bob))).toBe(true);
  });

  it('ending the meeting ends everyone’s membership', async () => {
    await h.send(host, { type: 'host.end' });
    expect(await current('sub-host')).toBeUndefined();
    expect(await current('sub-bob')).toBeUndefined();
  });

  it('a lobby admission makes the waiter a member under the peer id of the ticket they are given', async () => {
    const wanda = h.socket(roomId, 'sub-wanda', { name: 'Wanda', role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    expect(await current('sub-wanda')).toBeUndefined();
    await h.send(host, { type: 'lobby.admit', peerId: wanda.peerId });
    expect(await current('sub-wanda')).toBe(wanda.peerId);
  });

  it('one identity is one roster entry: a second join replaces the first, which is told and closed', async () => {
    const secondTab = h.socket(roomId, 'sub-bob', { name: 'Bob' });
    await h.send(secondTab, { type: 'join' });
    expect(await current('sub-bob')).toBe(secondTab.peerId);
    expect((await h.roster(roomId)).map((p) => p.peerId)).toEqual([host.peerId, secondTab.peerId]);
    expect(h.of(bob, 'session.replaced')).toHaveLength(1);
    expect(h.closed).toEqual(new Set([bob.connectionId, h.peerSocketOf(bob)]));
    expect(h.of(host, 'peer.left')).toEqual([{ type: 'peer.left', peerId: bob.peerId, reason: 'replaced' }]);
    expect(h.last(host, 'peer.joined')!.participant.peerId).toBe(secondTab.peerId);
  });

  it('extra tickets cannot inflate the roster: only the newest join of an identity gets in', async () => {
    await h.store.addMember(roomId, { sub: 'sub-carol', name: 'Carol' }, 'member');
    const first = h.socket(roomId, 'sub-carol');
    const second = h.socket(roomId, 'sub-carol'); // a second ticket from the join route replaced the first
    await h.send(second, { type: 'join' });
    await h.send(first, { type: 'join' });
    expect(h.last(first, 'error')).toMatchObject({ code: 'not_a_member' });
    expect((await h.roster(roomId)).filter((p) => p.sub === 'sub-carol').map((p) => p.peerId)).toEqual([second.peerId]);
  });

  it('a late leave from a replaced tab does not end the new tab’s membership', async () => {
    const secondTab = h.socket(roomId, 'sub-bob', { name: 'Bob' });
    await h.send(secondTab, { type: 'join' });
    await h.send(bob, { type: 'leave' }); // the old socket is gone from the roster: refused, changes nothing
    expect(await current('sub-bob')).toBe(secondTab.peerId);
  });
});

describe('repeated state is not re-broadcast', () => {
  let h: Harness;
  afterEach(() => h.restore());

  it('sends a roster update for a change only, not for the same state again', async () => {
    h = createHarness();
    const roomId = await h.createRoom();
    const host = await h.joined(roomId, 'sub-host', { mic: true });
    const bob = await h.joined(roomId, 'sub-bob', { mic: true });
    h.clear();
    for (let i = 0; i < 5; i++) await h.send(bob, { type: 'state', mic: true, cam: true });
    expect(h.of(host, 'roster.update')).toEqual([]);
    await h.send(bob, { type: 'state', mic: false, cam: true });
    expect(h.of(host, 'roster.update')).toHaveLength(1);
    expect(h.last(host, 'roster.update')!.roster.find((p) => p.peerId === bob.peerId)).toMatchObject({ mic: false });
  });
});
