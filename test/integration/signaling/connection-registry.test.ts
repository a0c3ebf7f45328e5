import { DynamoConnectionRegistry, type ConnectionRecord } from '../../../functions/signaling/connection-registry';
import { startConnectionsTable, type DynaliteTable } from './dynalite-table';

function conn(connectionId: string, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    connectionId,
    kind: 'peer',
    roomId: 'room-a',
    sub: `user-${connectionId}`,
    name: `Name ${connectionId}`,
    role: 'member',
    connectedAt: Date.now(),
    ...overrides,
  };
}

describe('DynamoConnectionRegistry against dynalite', () => {
  let table: DynaliteTable;
  let registry: DynamoConnectionRegistry;

  beforeAll(async () => {
    table = await startConnectionsTable();
    registry = new DynamoConnectionRegistry(table.client, table.tableName);
  });
  afterAll(() => table.close());

  it('stores, reads back and deletes a connection with a 3 h TTL', async () => {
    await registry.putConnection(conn('c1', { peerId: 'alice' }));
    const stored = await registry.getConnection('c1');
    expect(stored).toMatchObject({ connectionId: 'c1', kind: 'peer', roomId: 'room-a', peerId: 'alice' });
    expect(stored).not.toHaveProperty('pk');
    expect(stored!.ttl! - Math.floor(Date.now() / 1000)).toBeGreaterThan(2.9 * 3600);
    await registry.deleteConnection('c1');
    expect(await registry.getConnection('c1')).toBeUndefined();
  });

  it('claims a free id, rebinds it for the same identity and refuses another identity', async () => {
    const base = { peerId: 'bob', roomId: 'room-a' };
    expect(await registry.claimPeerIdDetailed({ ...base, connectionId: 'c2', sub: 'u-bob' })).toEqual({
      result: 'claimed',
    });
    expect(await registry.claimPeerIdDetailed({ ...base, connectionId: 'c3', sub: 'u-bob' })).toEqual({
      result: 'rebound',
      previousConnectionId: 'c2',
    });
    expect(await registry.claimPeerId({ ...base, connectionId: 'c4', sub: 'u-mallory' })).toBe('taken');
    expect(await registry.findPeer('bob')).toMatchObject({ peerId: 'bob', connectionId: 'c3', sub: 'u-bob' });
  });

  it('releases an id only for the connection that still holds it', async () => {
    await registry.claimPeerId({ peerId: 'carol', roomId: 'room-a', connectionId: 'c5', sub: 'u-carol' });
    await registry.claimPeerId({ peerId: 'carol', roomId: 'room-a', connectionId: 'c6', sub: 'u-carol' });
    expect(await registry.releasePeerId('carol', 'c5')).toBe(false);
    expect(await registry.findPeer('carol')).toMatchObject({ connectionId: 'c6' });
    expect(await registry.releasePeerId('carol', 'c6')).toBe(true);
    expect(await registry.findPeer('carol')).toBeUndefined();
  });

  it('lists only the connections of one room, across pages, optionally by kind', async () => {
    for (let i = 0; i < 30; i++) {
      await registry.putConnection(
        conn(`r${i}`, {
          roomId: 'room-big',
          kind: i % 2 ? 'room' : 'peer', // 40 KB each: 30 of them pass the 1 MB page size, so the query must follow LastEvaluatedKey.
          name: 'x'.repeat(40_000),
        }),
      );
    }
    await registry.putConnection(conn('other', { roomId: 'room-other' }));
    await registry.claimPeerId({ peerId: 'dave', roomId: 'room-big', connectionId: 'r0', sub: 'u' });
    const send = jest.spyOn(table.client, 'send');
    const all = await registry.listRoom('room-big');
    expect(send.mock.calls.length).toBeGreaterThan(1);
    send.mockRestore();
    expect(all.map((c) => c.connectionId).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`).sort());
    const peers = await registry.listRoom('room-big', 'peer');
    expect(peers).toHaveLength(15);
    expect(peers.every((c) => c.kind === 'peer')).toBe(true);
  });
});
