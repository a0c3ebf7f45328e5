import { ConnectionNeverOpened, OPEN_RETRY_DELAYS_MS, openPeer } from '../../../functions/signaling/open-peer';
import { createOpenerHandler } from '../../../functions/signaling/opener';
import type { Notifier } from '../../../functions/signaling/ports';

function recordingNotifier(refusals: number) {
  const posts: Array<[string, unknown]> = [];
  const closes: string[] = [];
  let left = refusals;
  const notifier: Notifier = {
    post: async (id, message) => {
      if (left-- > 0) return false;
      posts.push([id, message]);
      return true;
    },
    close: async (id) => {
      closes.push(id);
    },
  };
  return { notifier, posts, closes };
}

describe('PeerOpener', () => {
  it('spends about 3 s of backoff before giving up on a connection that never opens', () => {
    const total = OPEN_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(2500);
    expect(total).toBeLessThanOrEqual(3500);
  });

  it('throws (so Lambda retries the async invoke) when every attempt got 410', async () => {
    const { notifier, posts } = recordingNotifier(Infinity);
    const slept: number[] = [];
    await expect(
      openPeer({ notifier, sleep: async (ms) => void slept.push(ms) }, { connectionId: 'c1', action: 'open' }),
    ).rejects.toBeInstanceOf(ConnectionNeverOpened);
    expect(slept).toEqual([...OPEN_RETRY_DELAYS_MS]);
    expect(posts).toEqual([]);
  });

  it('closes a refused socket even when the ID-TAKEN never got through', async () => {
    const { notifier, closes } = recordingNotifier(Infinity);
    await expect(
      openPeer({ notifier, sleep: async () => {} }, { connectionId: 'c1', action: 'id-taken' }),
    ).resolves.toBe('refused');
    expect(closes).toEqual(['c1']);
  });

  it('rejects an event that is not from WsConnect', async () => {
    const { notifier } = recordingNotifier(0);
    const handler = createOpenerHandler(() => ({ notifier, sleep: async () => {} }));
    await expect(handler({ connectionId: 'c1', action: 'promote' })).rejects.toThrow(/action/);
  });
});
