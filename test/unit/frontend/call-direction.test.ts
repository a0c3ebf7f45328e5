import { shouldCall } from '../../../frontend/src/media/call-direction';

describe('shouldCall', () => {
  const early = { peerId: 'zed', joinedAt: 1000 };
  const late = { peerId: 'amy', joinedAt: 2000 };

  it('makes the newcomer call the peer already in the room, never the other way', () => {
    expect(shouldCall(late, early)).toBe(true);
    expect(shouldCall(early, late)).toBe(false);
  });

  it('picks exactly one caller for every pair, including ties', () => {
    const peers = [
      { peerId: 'a1', joinedAt: 5 },
      { peerId: 'b2', joinedAt: 5 },
      { peerId: 'c3', joinedAt: 3 },
      { peerId: 'd4', joinedAt: 9 },
    ];
    for (const x of peers) {
      for (const y of peers) {
        if (x === y) continue;
        expect(Number(shouldCall(x, y)) + Number(shouldCall(y, x))).toBe(1);
      }
    }
  });

  it('never calls itself', () => {
    expect(shouldCall(early, { ...early })).toBe(false);
  });

  it('makes a peer that left and came back (new joinedAt) the caller again', () => {
    const returned = { peerId: 'zed', joinedAt: 3000 };
    expect(shouldCall(returned, late)).toBe(true);
    expect(shouldCall(late, returned)).toBe(false);
  });
});
