import { createHarness, offer, type Harness } from './harness';

const mallory = { peerId: '', sub: 'u-mallory', roomId: 'user:u-mallory', kind: 'user' as const };

describe('user socket (Recordings page) on the signaling handlers', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.restore());

  it('is recorded under user:{sub} without claiming a peer id or sending OPEN', async () => {
    const { connectionId, result } = await h.open('page', mallory);
    expect(result.statusCode).toBe(200);
    expect(h.invocations).toEqual([]);
    expect(h.inbox(connectionId)).toEqual([]);
    const record = await h.registry.getConnection(connectionId);
    expect(record).toMatchObject({ kind: 'user', roomId: 'user:u-mallory', sub: 'u-mallory' });
    expect(record?.peerId).toBeUndefined();
    expect(await h.registry.listRoom('user:u-mallory', 'user')).toHaveLength(1);
  });

  it('refuses a user context that claims a peer id or a real room (a wiring bug, never a client choice)', async () => {
    expect((await h.connect(h.id('x'), { ...mallory, peerId: 'alice' })).statusCode).toBe(401);
    expect((await h.connect(h.id('y'), { ...mallory, roomId: 'room-1' })).statusCode).toBe(401);
    expect(await h.registry.getConnection(h.id('x'))).toBeUndefined();
  });

  it('cannot signal a peer: an OFFER is refused with a PeerJS ERROR and reaches nobody', async () => {
    const alice = await h.open('alice', { peerId: 'alice', roomId: 'room-1' });
    const page = await h.open('page', mallory);
    h.clearInboxes();
    const result = await h.send(page.connectionId, offer('alice'));
    expect(result.statusCode).toBe(403);
    expect(h.inbox(page.connectionId)).toEqual([expect.objectContaining({ type: 'ERROR' })]);
    expect(h.inbox(alice.connectionId)).toEqual([]);
  });

  it('is just deleted on $disconnect (no room clean-up, no LEAVE)', async () => {
    const alice = await h.open('alice', { peerId: 'alice', roomId: 'room-1' });
    const page = await h.open('page', mallory);
    h.clearInboxes();
    await h.close(page.connectionId);
    expect(await h.registry.getConnection(page.connectionId)).toBeUndefined();
    expect(h.onRoomSocketDisconnected).not.toHaveBeenCalled();
    expect(h.inbox(alice.connectionId)).toEqual([]);
  });
});
