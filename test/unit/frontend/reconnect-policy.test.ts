import { ExponentialBackoffPolicy } from '../../../frontend/src/net/reconnect-policy';

describe('ExponentialBackoffPolicy', () => {
  it('doubles the delay on each retry up to the ceiling (no jitter)', () => {
    const policy = new ExponentialBackoffPolicy({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
    const delays = [0, 1, 2, 3, 4, 5].map((retryCount) => policy.nextRetryDelayMs({ retryCount, elapsedMs: 0 }));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads retries with jitter inside [ceiling × (1 − jitter), ceiling]', () => {
    const low = new ExponentialBackoffPolicy({ initialDelayMs: 1000, jitter: 0.5, random: () => 0 });
    const high = new ExponentialBackoffPolicy({ initialDelayMs: 1000, jitter: 0.5, random: () => 0.999999 });
    expect(low.nextRetryDelayMs({ retryCount: 0, elapsedMs: 0 })).toBe(500);
    expect(high.nextRetryDelayMs({ retryCount: 0, elapsedMs: 0 })).toBe(1000);
  });

  it('gives different delays to peers that lost the connection at the same moment', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const policy = new ExponentialBackoffPolicy({ initialDelayMs: 1000, jitter: 1, random });
    const delays = new Set(Array.from({ length: 20 }, () => policy.nextRetryDelayMs({ retryCount: 2, elapsedMs: 0 })));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('gives up after the retry limit', () => {
    const policy = new ExponentialBackoffPolicy({ maxRetries: 3 });
    expect(policy.nextRetryDelayMs({ retryCount: 2, elapsedMs: 0 })).not.toBeNull();
    expect(policy.nextRetryDelayMs({ retryCount: 3, elapsedMs: 0 })).toBeNull();
  });

  it('gives up once too much time has passed since the loss', () => {
    const policy = new ExponentialBackoffPolicy({ maxElapsedMs: 5000 });
    expect(policy.nextRetryDelayMs({ retryCount: 0, elapsedMs: 4999 })).not.toBeNull();
    expect(policy.nextRetryDelayMs({ retryCount: 0, elapsedMs: 5000 })).toBeNull();
  });
});
