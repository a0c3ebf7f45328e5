import { HANDSHAKE_GRACE_MS } from '../../../functions/signaling/handshake-grace';
import { createHarness, type Harness } from './harness';

describe('$disconnect', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });
  afterEach(() => h.restore());

  it('frees the id and sends LEAVE to every other admitted peer of the room, and only that room', async () => {
    const alice = (await h.open('alice', { peerId: 'alice', roomId: 'room-1' })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob', roomId: 'room-1' })).connectionId;
    const carol = (await h.open('carol', { peerId: 'carol', roomId: 'room-1' })).connectionId;
    const knocker = (await h.open('kim', { peerId: 'kim', roomId: 'room-1', role: 'lobby' })).connectionId;
    const eve = (await h.open('eve', { peerId: 'eve', roomId: 'room-2' })).connectionId;
    const bobsRoomSocket = (await h.open('bob-room', { peerId: 'bob', roomId: 'room-1', kind: 'room' })).connectionId;
    h.clearInboxes();

    await h.close(alice);

    expect(h.inbox(bob)).toEqual([{ type: 'LEAVE', src: 'alice', dst: 'bob' }]);
    expect(h.inbox(carol)).toEqual([{ type: 'LEAVE', src: 'alice', dst: 'carol' }]);
    for (const other of [knocker, eve, bobsRoomSocket, alice]) expect(h.inbox(other)).toEqual([]);
    expect(await h.registry.findPeer('alice')).toBeUndefined();
    expect(await h.registry.getConnection(alice)).toBeUndefined();
    expect(h.onRoomSocketDisconnected).not.toHaveBeenCalled();
  });

  it('tells nobody when a newer socket of the same identity already holds the id (reload)', async () => {
    const old = (await h.open('old', { peerId: 'alice', sub: 'u-alice' })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob' })).connectionId;
    const fresh = (await h.open('new', { peerId: 'alice', sub: 'u-alice' })).connectionId;
    h.clearInboxes();
    await h.close(old);
    expect(h.inbox(bob)).toEqual([]);
    expect(await h.registry.findPeer('alice')).toMatchObject({ connectionId: fresh });
  });

  it('cleans up peers found stale (410) while announcing the departure', async () => {
    const alice = (await h.open('alice', { peerId: 'alice' })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob' })).connectionId;
    h.live.delete(bob);
    h.advance(HANDSHAKE_GRACE_MS);
    await h.close(alice);
    expect(await h.registry.getConnection(bob)).toBeUndefined();
    expect(await h.registry.findPeer('bob')).toBeUndefined();
  });

  it('sends no LEAVE when only the signalling socket dropped: the person is still in the meeting on their room socket', async () => {
    const bob = (await h.open('bob', { peerId: 'bob' })).connectionId;
    await h.open('ana-room', { peerId: 'ana', kind: 'room' });
    const ana = (await h.open('ana', { peerId: 'ana' })).connectionId;
    h.clearInboxes();
    await h.close(ana);
    expect(h.inbox(bob)).toEqual([]); // Bob keeps his call to Ana: its media flows peer to peer meanwhile
    expect(await h.registry.findPeer('ana')).toBeUndefined(); // the id is free for her page's reconnect
  });

  it('still sends LEAVE when the room socket left is another person’s or another page’s', async () => {
    const bob = (await h.open('bob', { peerId: 'bob' })).connectionId;
    await h.open('other-tab', { peerId: 'ana-tab-2', sub: 'user-ana', kind: 'room' });
    const ana = (await h.open('ana', { peerId: 'ana', sub: 'user-ana' })).connectionId;
    h.clearInboxes();
    await h.close(ana);
    expect(h.inbox(bob)).toEqual([{ type: 'LEAVE', src: 'ana', dst: 'bob' }]);
  });

  it('keeps a peer that answers 410 while it may still be in its handshake (joining as another leaves)', async () => {
    const alice = (await h.open('alice', { peerId: 'alice' })).connectionId;
    const carol = (await h.open('carol', { peerId: 'carol' })).connectionId;
    h.live.delete(carol); // registered by its $connect; API Gateway refuses posts until the handshake is done
    await h.close(alice);
    expect(await h.registry.getConnection(carol)).toMatchObject({ peerId: 'carol' });
    expect(await h.registry.findPeer('carol')).toMatchObject({ connectionId: carol });
  });

  it('does not free an id held by another identity when the refused (ID-TAKEN) socket closes', async () => {
    const owner = (await h.open('owner', { peerId: 'alice', sub: 'u-alice' })).connectionId;
    const bob = (await h.open('bob', { peerId: 'bob' })).connectionId;
    const thief = (await h.open('thief', { peerId: 'alice', sub: 'u-mallory' })).connectionId;
    h.clearInboxes();
    await h.close(thief);
    expect(await h.registry.findPeer('alice')).toMatchObject({ connectionId: owner });
    expect(h.inbox(bob)).toEqual([]);
  });

  it('hands a closed room socket to the room feature, with its record', async () => {
    const room = (await h.open('room', { peerId: 'alice', kind: 'room', roomId: 'room-9' })).connectionId;
    await h.close(room);
    expect(h.onRoomSocketDisconnected).toHaveBeenCalledWith(
      expect.objectContaining({ connectionId: room, kind: 'room', roomId: 'room-9', peerId: 'alice' }),
    );
    expect(await h.registry.getConnection(room)).toBeUndefined();
  });

  it('does nothing for a connection it never registered', async () => {
    const result = await h.close(h.id('ghost'));
    expect(result.statusCode).toBe(200);
    expect(h.onRoomSocketDisconnected).not.toHaveBeenCalled();
  });
});
