import { createOwnerNotifier } from '../../../functions/recordings/notify';
import type { RecordingRecord } from '../../../functions/recordings/recording-store';
import { userRoomKey, type ConnectionRecord } from '../../../functions/signaling/connection-registry';
import { HANDSHAKE_GRACE_MS } from '../../../functions/signaling/handshake-grace';
import { InMemoryRegistry } from '../signaling/in-memory-registry';

/** The owner's push of a recording's status: who gets it, and which refused sockets are forgotten. */
describe('recording status push to the owner', () => {
  const recording = {
    id: '0b9f4c1e-7d2a-4c3b-9e5f-1a2b3c4d5e6f',
    ownerId: 'u-owner',
    roomId: null,
    status: 'transcoding',
  } as RecordingRecord;
  const t0 = Date.UTC(2026, 11, 7, 6, 0, 0);
  const userSocket = (connectionId: string, connectedAt: number): ConnectionRecord => ({
    connectionId,
    kind: 'user',
    roomId: userRoomKey('u-owner'),
    sub: 'u-owner',
    name: 'Owner',
    role: 'member',
    connectedAt,
  });

  async function push(live: Set<string>, now: number) {
    const registry = new InMemoryRegistry();
    await registry.putConnection(userSocket('old', t0 - HANDSHAKE_GRACE_MS));
    await registry.putConnection(userSocket('joining', t0 - 1_000));
    const sent: string[] = [];
    const notify = createOwnerNotifier({
      registry: () => registry,
      post: async (connectionId) => {
        if (!live.has(connectionId)) return false; // 410
        sent.push(connectionId);
        return true;
      },
      now: () => now,
    });
    const delivered = await notify(recording);
    return { registry, sent, delivered };
  }

  it('reaches every open socket of the owner', async () => {
    const { sent, delivered } = await push(new Set(['old', 'joining']), t0);
    expect(sent.sort()).toEqual(['joining', 'old']);
    expect(delivered).toBe(2);
  });

  it('forgets a socket that answers 410 after its handshake, and keeps one that may still be in it', async () => {
    const { registry, delivered } = await push(new Set(), t0);
    expect(delivered).toBe(0);
    expect(await registry.getConnection('old')).toBeUndefined();
    expect(await registry.getConnection('joining')).toMatchObject({ connectionId: 'joining' });
  });
});
