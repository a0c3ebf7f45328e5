import { newMessageId, newPeerId, newRoomId } from '../../../functions/room/ids';
import { hashPassword, verifyPassword } from '../../../functions/room/password';
import { peerIdSchema, roomIdSchema } from '../../../functions/shared/protocol/room';

describe('ids', () => {
  it('room ids carry 80 random bits in readable groups and do not repeat', () => {
    const ids = new Set(Array.from({ length: 2000 }, newRoomId));
    expect(ids.size).toBe(2000);
    for (const id of ids) {
      expect(roomIdSchema.safeParse(id).success).toBe(true);
      expect(id.replace(/-/g, '')).toHaveLength(16); // 16 symbols × log2(32) = 80 bits
      expect(id).not.toMatch(/[ilou]/);
    }
    // Every one of the 32 symbols shows up: the alphabet is really used (no bias to a subset).
    expect(new Set([...ids].join('').replace(/-/g, '')).size).toBe(32);
  });

  it('peer ids are accepted by the PeerJS client and differ per join', () => {
    const a = newPeerId();
    expect(a).toMatch(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/);
    expect(peerIdSchema.safeParse(a).success).toBe(true);
    expect(newPeerId()).not.toBe(a);
  });

  it('message ids sort by time', () => {
    expect(newMessageId(1000) < newMessageId(2000)).toBe(true);
  });
});

describe('room passwords', () => {
  it('verifies the right password and refuses others, with a fresh salt each time', async () => {
    const h1 = await hashPassword('correct horse');
    const h2 = await hashPassword('correct horse');
    expect(h1).not.toBe(h2);
    expect(await verifyPassword('correct horse', h1)).toBe(true);
    expect(await verifyPassword('correct horse ', h1)).toBe(false);
    expect(await verifyPassword('', h1)).toBe(false);
  });

  it('treats canonically equal Unicode the same (é typed two ways)', async () => {
    const stored = await hashPassword('caf\u00e9!');
    expect(await verifyPassword('cafe\u0301!', stored)).toBe(true);
  });

  it('throws on a malformed stored hash instead of letting anyone in', async () => {
    await expect(verifyPassword('x', 'plain-text')).rejects.toThrow('Unrecognised room password hash');
  });
});
