import { createHarness, type Harness } from './harness';

describe('PeerJS socket connect: OPEN, ID-TAKEN, rebind', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.restore());

  it('registers the socket and, after $connect returned, tells the client OPEN (its only "open" signal)', async () => {
    const { connectionId, result } = await h.open('a', { peerId: 'alice', roomId: 'room-1' });
    expect(result.statusCode).toBe(200);
    // Nothing may be posted during $connect: the OPEN goes through an async (Event) invoke of the opener.
    expect(h.invocations).toEqual([
      { functionName: 'PeerOpener', invocationType: 'Event', payload: { connectionId, action: 'open' } },
    ]);
    expect(h.inbox(connectionId)).toEqual([{ type: 'OPEN' }]);
    expect(await h.registry.getConnection(connectionId)).toMatchObject({
      kind: 'peer',
      roomId: 'room-1',
      peerId: 'alice',
      sub: 'user-alice',
    });
    expect(await h.registry.findPeer('alice')).toMatchObject({ connectionId, roomId: 'room-1' });
  });

  it('keeps retrying OPEN while API Gateway still answers 410 for the fresh connection', async () => {
    const { connectionId } = await h.open('a', { peerId: 'alice' }, { refusePosts: 4 });
    expect(h.inbox(connectionId)).toEqual([{ type: 'OPEN' }]);
  });

  it('sends ID-TAKEN and closes the socket when another identity holds the id', async () => {
    const owner = await h.open('owner', { peerId: 'alice', sub: 'u-alice' });
    const thief = await h.open('thief', { peerId: 'alice', sub: 'u-mallory' });
    expect(h.inbox(thief.connectionId)).toEqual([{ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } }]);
    expect(h.closed).toContain(thief.connectionId);
    // The owner keeps the id, and the refused socket's record does not carry it (so it can never speak as alice).
    expect(await h.registry.findPeer('alice')).toMatchObject({ connectionId: owner.connectionId });
    expect((await h.registry.getConnection(thief.connectionId))?.peerId).toBeUndefined();
  });

  it('rebinds the id for the same identity (reload), sends OPEN and closes the stale socket', async () => {
    const first = await h.open('tab1', { peerId: 'alice', sub: 'u-alice' });
    const second = await h.open('tab2', { peerId: 'alice', sub: 'u-alice' });
    expect(h.invocations[1]).toMatchObject({
      payload: { connectionId: second.connectionId, action: 'open', replacedConnectionId: first.connectionId },
    });
    expect(h.inbox(second.connectionId)).toEqual([{ type: 'OPEN' }]);
    expect(h.closed).toEqual([first.connectionId]);
    expect(await h.registry.findPeer('alice')).toMatchObject({ connectionId: second.connectionId });
  });

  it('records a room socket without claiming a peer id or invoking the opener', async () => {
    const { connectionId } = await h.open('room', { peerId: 'alice', kind: 'room' });
    expect(h.invocations).toEqual([]);
    expect(await h.registry.findPeer('alice')).toBeUndefined();
    expect(await h.registry.getConnection(connectionId)).toMatchObject({ kind: 'room', peerId: 'alice' });
  });

  it('refuses a $connect that carries no authorizer context (401) and records nothing', async () => {
    const result = await h.connect(h.id('x'));
    expect(result.statusCode).toBe(401);
    expect(h.registry.connections.size).toBe(0);
  });
});
