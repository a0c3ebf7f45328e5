import calculateSlot from 'cluster-key-slot';
import Redis from 'ioredis';
import { rateLimitKey, roomKeys } from '../../../functions/shared/redis-keys';
import { RedisLiveRoomState, type LiveParticipant } from '../../../functions/room/live-state';

// ElastiCache Serverless refuses MULTI, Lua and multi-key commands whose keys span slots (CROSSSLOT), so every key
// of one room must land in one slot, whatever prefix the client puts in front ('cn:' in AWS).
const PREFIXES = ['cn:', 'test-room-0a1b2c:'];
const ROOMS = ['abc-defg-hij', 'r1', 'zzz-zzzz-zzz'];

function participant(peerId: string, joinedAt: number): LiveParticipant {
  return {
    peerId,
    sub: `user-${peerId}`,
    connectionId: `conn-${peerId}`,
    name: peerId,
    role: 'member',
    verified: false,
    joinedAt,
    mic: true,
    cam: false,
    screen: false,
    speaking: false,
    handRaised: false,
  };
}

describe('Redis keys', () => {
  it.each(PREFIXES)('puts every key family of one room in one cluster slot (prefix %s)', (prefix) => {
    for (const roomId of ROOMS) {
      const k = roomKeys(roomId);
      const all = [k.peers, k.peer('p-1'), k.peer('p-2'), k.chat, k.lobby, k.passwordFailures(7), k.recording].map(
        (key) => prefix + key,
      );
      expect(new Set(all.map((key) => calculateSlot(key))).size).toBe(1);
      expect(calculateSlot.generateMulti(all)).toBe(calculateSlot(`${prefix}${k.peers}`));
    }
  });

  it('keeps the keys of two rooms apart (distinct names)', () => {
    expect(roomKeys('r1').peers).not.toBe(roomKeys('r2').peers);
    expect(roomKeys('r1').peer('p')).not.toBe(roomKeys('r1').peer('q'));
  });

  it('refuses a room id that would break the hash tag', () => {
    expect(() => roomKeys('a}b')).toThrow(/room id must be non-empty and contain no braces/);
    expect(() => roomKeys('')).toThrow(/room id/);
  });

  it('gives each rate-limit counter one slot for all its windows, even when its name has braces', () => {
    expect(calculateSlot(`cn:${rateLimitKey('signal:c1', 1)}`)).toBe(
      calculateSlot(`cn:${rateLimitKey('signal:c1', 2)}`),
    );
    expect(rateLimitKey('signin:ip:{x}', 7)).toBe('rl:{signin:ip:%7Bx%7D}:7');
  });

  it('writes all of one room through the live state into a single slot', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RedisMock = require('ioredis-mock') as typeof Redis;
    const prefix = `keys-test-${Date.now()}:`;
    const redis = new RedisMock({ keyPrefix: prefix });
    const live = new RedisLiveRoomState(() => redis);
    await live.putParticipant('room-a', participant('p-1', 1));
    await live.putParticipant('room-a', participant('p-2', 2));
    await live.appendChat('room-a', {
      id: 'm1',
      peerId: 'p-1',
      name: 'p-1',
      text: 'hi',
      sentAt: '2026-12-05T08:00:00Z',
    });
    await live.putWaiter('room-a', {
      peerId: 'p-3',
      sub: 's3',
      connectionId: 'c3',
      name: 'p-3',
      knockedAt: 4,
      verified: false,
      account: 'guest',
    });
    const written = await redis.keys(`${prefix}*`);
    expect(written.length).toBe(5);
    expect(new Set(written.map((key) => calculateSlot(key))).size).toBe(1);
    redis.disconnect();
  });
});
