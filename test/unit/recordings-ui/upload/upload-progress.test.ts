import {
  formatClock,
  UploadProgress,
  describeProgress,
  formatBytes,
  formatDuration,
} from '../../../../frontend/src/recordings/upload/upload-progress';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('UploadProgress', () => {
  it('reports fraction, speed and time left from the bytes of parts in flight', () => {
    const c = clock();
    const p = new UploadProgress(10_000_000, c.now);
    p.update(1, 0);
    c.advance(1000);
    p.update(1, 1_000_000);
    c.advance(1000);
    p.update(1, 2_000_000);
    const s = p.snapshot();
    expect(s.uploadedBytes).toBe(2_000_000);
    expect(s.fraction).toBeCloseTo(0.2);
    expect(s.bytesPerSecond).toBeCloseTo(1_000_000);
    expect(s.secondsLeft).toBeCloseTo(8);
  });

  it('adds parallel parts together', () => {
    const c = clock();
    const p = new UploadProgress(4000, c.now);
    p.update(1, 0);
    p.update(2, 0);
    c.advance(1000);
    p.update(1, 1000);
    p.update(2, 1000);
    const s = p.snapshot();
    expect(s.uploadedBytes).toBe(2000);
    expect(s.bytesPerSecond).toBeCloseTo(2000);
    expect(s.secondsLeft).toBeCloseTo(1);
  });

  it('measures speed over the recent window only, so a slow start does not spoil the estimate', () => {
    const c = clock();
    const p = new UploadProgress(100_000_000, c.now, 5000);
    p.update(1, 0);
    for (let i = 1; i <= 10; i++) {
      c.advance(1000);
      p.update(1, i * 100); // a crawl: 100 B/s for 10 s
    }
    for (let i = 1; i <= 10; i++) {
      c.advance(1000);
      p.update(1, 1000 + i * 1_000_000); // then 1 MB/s
    }
    expect(p.snapshot().bytesPerSecond).toBeCloseTo(1_000_000, -3);
  });

  it('drops the bytes of a failed part and does not count earlier-uploaded parts as speed', () => {
    const c = clock();
    const p = new UploadProgress(10_000, c.now);
    p.markDone(1, 5000);
    expect(p.snapshot()).toMatchObject({ uploadedBytes: 5000, bytesPerSecond: null, secondsLeft: null });
    c.advance(1000);
    p.update(2, 2000);
    expect(p.snapshot().bytesPerSecond).toBeCloseTo(2000);
    p.reset(2);
    expect(p.snapshot().uploadedBytes).toBe(5000);
  });

  it('says done with zero seconds left and never passes 100 %', () => {
    const c = clock();
    const p = new UploadProgress(1000, c.now);
    p.update(1, 1200); // XHR counts request overhead on some browsers
    expect(p.snapshot()).toMatchObject({ uploadedBytes: 1000, fraction: 1, secondsLeft: 0 });
    expect(new UploadProgress(0, c.now).snapshot().fraction).toBe(1);
  });
});

describe('formatting', () => {
  it('formats sizes the way file managers do', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatBytes(-1)).toBe('—');
  });

  it('formats time left rounded up', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(4.2)).toBe('5 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
  });

  it('describes progress in one line with speed and time left', () => {
    expect(
      describeProgress({
        totalBytes: 40 * 1024 * 1024,
        uploadedBytes: 10 * 1024 * 1024,
        fraction: 0.25,
        bytesPerSecond: 2 * 1024 * 1024,
        secondsLeft: 15,
      }),
    ).toBe('10.0 MB of 40.0 MB · 2.0 MB/s · 15 s left');
    expect(
      describeProgress({ totalBytes: 1024, uploadedBytes: 0, fraction: 0, bytesPerSecond: null, secondsLeft: null }),
    ).toBe('0 B of 1.0 KB');
    expect(
      describeProgress({ totalBytes: 1024, uploadedBytes: 1024, fraction: 1, bytesPerSecond: 0, secondsLeft: 0 }),
    ).toBe('1.0 KB of 1.0 KB');
  });
});

describe('formatClock (the listed length of a recording)', () => {
  it('shows the real length, whole seconds cut off like a player does: 12.2 s is 0:12, not 13 s', () => {
    expect(formatClock(12.2)).toBe('0:12');
    expect(formatClock(59.99)).toBe('0:59');
    expect(formatClock(75)).toBe('1:15');
    expect(formatClock(3725.4)).toBe('1:02:05');
    expect(formatClock(null)).toBe('—');
    expect(formatClock(-1)).toBe('—');
  });
});
