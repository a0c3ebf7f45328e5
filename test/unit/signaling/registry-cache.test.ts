import { RegistryCache } from '../../../functions/signaling/registry-cache';
import { InMemoryRegistry } from './in-memory-registry';

describe('RegistryCache', () => {
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
    const cache = new RegistryCache(inner);
    await cache.getConnection('c1');
    await cache.getConnection('c1');
    expect(get).toHaveBeenCalledTimes(1);
    await cache.deleteConnection('c1');
    expect(await cache.getConnection('c1')).toBeUndefined();
  });

  it('keeps a binding until the relay releases it (after a 410), then reads the new one', async () => {
    const inner = new InMemoryRegistry();
    const cache = new RegistryCache(inner);
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c1' });
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c2', roomId: 'r', sub: 'u' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c1' });
    await cache.releasePeerId('alice', 'c1');
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c2' });
  });

  it('does not remember a miss, and re-reads after its time to live', async () => {
    const inner = new InMemoryRegistry();
    let now = 0;
    const cache = new RegistryCache(inner, { connectionTtlMs: 1000, bindingTtlMs: 1000, now: () => now });
    expect(await cache.getConnection('c1')).toBeUndefined();
    expect(await cache.findPeer('alice')).toBeUndefined();
    await inner.putConnection(record);
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u' });
    expect(await cache.getConnection('c1')).toMatchObject({ peerId: 'alice' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c1' });
    await inner.deleteConnection('c1');
    await inner.releasePeerId('alice', 'c1');
    now = 2000;
    expect(await cache.getConnection('c1')).toBeUndefined();
    expect(await cache.findPeer('alice')).toBeUndefined();
  });

  it('shares one read among frames that miss at the same time (a call set-up burst)', async () => {
    const inner = new InMemoryRegistry();
    await inner.putConnection(record);
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u' });
    const get = jest.spyOn(inner, 'getConnection');
    const find = jest.spyOn(inner, 'findPeer');
    const cache = new RegistryCache(inner);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => Promise.all([cache.getConnection('c1'), cache.findPeer('alice')])),
    );
    expect(answers.every(([c, b]) => c?.peerId === 'alice' && b?.connectionId === 'c1')).toBe(true);
    expect(get).toHaveBeenCalledTimes(1);
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('does not keep or share a read that was out when the binding was released', async () => {
    const inner = new InMemoryRegistry();
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u' });
    const cache = new RegistryCache(inner);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const realFind = inner.findPeer.bind(inner);
    const find = jest.spyOn(inner, 'findPeer').mockImplementationOnce(async (peerId) => {
      const stale = await realFind(peerId); // read before the move…
      await gate; // …answered after it
      return stale;
    });
    const early = cache.findPeer('alice');
    // The old socket answered 410 and alice is on c2 now.
    await cache.releasePeerId('alice', 'c1');
    await inner.claimPeerId({ peerId: 'alice', connectionId: 'c2', roomId: 'r', sub: 'u' });
    const late = cache.findPeer('alice');
    release();
    expect(await early).toMatchObject({ connectionId: 'c1' });
    expect(await late).toMatchObject({ connectionId: 'c2' });
    expect(await cache.findPeer('alice')).toMatchObject({ connectionId: 'c2' });
    expect(find).toHaveBeenCalledTimes(2);
  });
});
