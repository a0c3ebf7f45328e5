import { RedisBreakoutLiveState } from '../../../functions/room/breakouts/breakout-live';
import { answer, candidate, createHarness, offer, type Harness } from './harness';

/**
 * Breakout rooms are enforced where media is set up: whatever a page asks for, the relay carries OFFER, ANSWER and
 * CANDIDATE only between two people in the same breakout room (or both in the main room).
 */
describe('signaling relays only within one breakout room', () => {
  let h: Harness;
  const breakouts = new RedisBreakoutLiveState();
  const room = () => `room-${Math.random().toString(36).slice(2, 10)}`;
  const opening = (roomId: string, placements: Record<string, string>) =>
    breakouts.open(
      roomId,
      {
        id: 'opening-0001',
        mode: 'manual',
        rooms: [
          { id: 'b1', name: 'Room 1' },
          { id: 'b2', name: 'Room 2' },
        ],
        endsAt: null,
        openedAt: 0,
      },
      new Map(Object.entries(placements)),
    );
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.restore());

  it('answers an OFFER to someone in another breakout room with EXPIRE, as for an absent peer, and relays nothing', async () => {
    const roomId = room();
    const alice = (await h.open('alice', { peerId: 'alice', roomId })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob', roomId })).connectionId;
    await opening(roomId, { 'user-alice': 'b1', 'user-bob': 'b2' });
    h.clearInboxes();
    await h.send(alice, offer('bob'));
    await h.send(alice, candidate('bob'));
    await h.send(bob, answer('alice'));
    expect(h.inbox(bob)).toEqual([{ type: 'EXPIRE', src: 'alice', dst: 'bob' }]);
    expect(h.inbox(alice)).toEqual([{ type: 'EXPIRE', src: 'bob', dst: 'alice' }]);
  });

  it('refuses between a breakout room and the main room, relays within one room, and everywhere once closed', async () => {
    const roomId = room();
    const alice = (await h.open('alice', { peerId: 'alice', roomId })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob', roomId })).connectionId;
    const host = (await h.open('host', { peerId: 'host', roomId })).connectionId;
    await opening(roomId, { 'user-alice': 'b1', 'user-bob': 'b1' });
    h.clearInboxes();
    await h.send(host, offer('alice'));
    expect(h.inbox(alice)).toEqual([]);
    expect(h.inbox(host)).toEqual([{ type: 'EXPIRE', src: 'alice', dst: 'host' }]);
    await h.send(alice, offer('bob'));
    expect(h.inbox(bob)).toEqual([expect.objectContaining({ type: 'OFFER', src: 'alice', dst: 'bob' })]);
    // The host visits room 1: now they reach Alice.
    expect(await breakouts.move(roomId, 'opening-0001', 'user-host', 'b1', false)).toBe('moved');
    h.clearInboxes();
    await h.send(host, offer('alice'));
    expect(h.inbox(alice)).toEqual([expect.objectContaining({ type: 'OFFER', src: 'host' })]);
    expect(await breakouts.close(roomId, 'opening-0001')).toBe(true);
    await breakouts.move(roomId, 'opening-0001', 'user-bob', 'b2', false); // too late: closed, nothing written
    h.clearInboxes();
    await h.send(bob, offer('host'));
    expect(h.inbox(host)).toEqual([expect.objectContaining({ type: 'OFFER', src: 'bob' })]);
  });
});
