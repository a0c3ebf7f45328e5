import { SenderCache } from '../../../functions/signaling/sender-cache';
import { InMemoryRegistry } from './in-memory-registry';

describe('SenderCache', () => {
  const record = {
    connectionId: 'c1',
    kind: 'peer' as const,
    roomId: 'r',
    sub: 'u',
    name: 'A',
    role: 'member' as const,
    peerId: 'alice',
    connectedAt: 1,
  };

  it('reads a connection once while it lives, and forgets it when deleted', async () => {
    const inner = new InMemoryRegistry();
    await inner.putConnection(record);
    const get = jest.spyOn(inner, 'getConnection');
    const cache = new SenderCache(inner);
    await cache.getConnection('c1');
    await cache.getConnection('c1');
    expect(get).toHaveBeenCalledTimes(1);
    await cache.deleteConnection('c1');
    expect(await cache.getConnection('c1')).toBeUndefined();
  });

  it('never caches peer bindings, which move between sockets on reconnect', async () => {
    const inner = new InMemoryRegistry();
    const cache = new SenderCache(inner);
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c1' });
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c2', roomId: 'r', sub: 'u' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c2' });
  });

  it('does not remember a miss, and re-reads after its time to live', async () => {
    const inner = new InMemoryRegistry();
    let now = 0;
    const cache = new SenderCache(inner, 10, 1000, () => now);
    expect(await cache.getConnection('c1')).toBeUndefined();
    await inner.putConnection(record);
    expect(await cache.getConnection('c1')).toMatchObject({ peerId: 'alice' });
    await inner.deleteConnection('c1');
    now = 2000;
    expect(await cache.getConnection('c1')).toBeUndefined();
  });
});
