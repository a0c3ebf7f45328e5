import { MAX_PARTS, MIN_PART_BYTES, PartBuffer, TooManyPartsError } from '../../../frontend/src/recordings/part-buffer';

const chunk = (size: number, id = size) => ({ size, id });

describe('PartBuffer', () => {
  it('holds chunks until they reach the 5 MiB S3 minimum, then hands them out as one part in order', () => {
    const buffer = new PartBuffer<{ size: number; id: number }>();
    expect(buffer.push(chunk(2 * 1024 * 1024, 1))).toBeNull();
    expect(buffer.push(chunk(2 * 1024 * 1024, 2))).toBeNull();
    const part = buffer.push(chunk(1024 * 1024 + 10, 3));
    expect(part).not.toBeNull();
    expect(part!.partNumber).toBe(1);
    expect(part!.chunks.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(part!.size).toBe(MIN_PART_BYTES + 10);
    expect(part!.last).toBe(false);
    expect(buffer.bufferedBytes).toBe(0);
  });

  it('never emits a non-final part below the minimum', () => {
    const buffer = new PartBuffer<{ size: number }>(1000);
    const sizes: number[] = [];
    for (let i = 0; i < 500; i++) {
      const part = buffer.push(chunk(37 + (i % 90)));
      if (part) sizes.push(part.size);
    }
    const last = buffer.finish();
    expect(sizes.length).toBeGreaterThan(10);
    for (const size of sizes) expect(size).toBeGreaterThanOrEqual(1000);
    expect(last!.last).toBe(true);
    expect(last!.size).toBeLessThan(1000);
    const total = sizes.reduce((a, b) => a + b, 0) + last!.size;
    expect(total).toBe(Array.from({ length: 500 }, (_, i) => 37 + (i % 90)).reduce((a, b) => a + b, 0));
  });

  it('numbers parts consecutively from 1 and bounds what a crash would lose to the current buffer', () => {
    const buffer = new PartBuffer<{ size: number }>(100);
    const numbers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const part = buffer.push(chunk(60));
      if (part) numbers.push(part.partNumber);
      expect(buffer.bufferedBytes).toBeLessThan(100);
    }
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    expect(buffer.partsEmitted).toBe(5);
  });

  it('lets the final part be small and returns nothing when no bytes are left over', () => {
    const small = new PartBuffer<{ size: number }>(100);
    small.push(chunk(10));
    expect(small.finish()).toMatchObject({ partNumber: 1, size: 10, last: true });

    const exact = new PartBuffer<{ size: number }>(100);
    expect(exact.push(chunk(100))).toMatchObject({ partNumber: 1, size: 100 });
    expect(exact.finish()).toBeNull();
  });

  it('ignores empty chunks (MediaRecorder emits them when nothing changed)', () => {
    const buffer = new PartBuffer<{ size: number }>(100);
    expect(buffer.push(chunk(0))).toBeNull();
    expect(buffer.finish()).toBeNull();
    expect(buffer.partsEmitted).toBe(0);
  });

  it('refuses chunks after finish and a second finish', () => {
    const buffer = new PartBuffer<{ size: number }>(100);
    buffer.finish();
    expect(() => buffer.push(chunk(5))).toThrow(/already been finished/);
    expect(() => buffer.finish()).toThrow(/already been finished/);
  });

  it(`stops at S3's ${MAX_PARTS} part limit with a clear error`, () => {
    const buffer = new PartBuffer<{ size: number }>(1);
    for (let i = 0; i < MAX_PARTS; i++) buffer.push(chunk(1));
    expect(() => buffer.push(chunk(1))).toThrow(TooManyPartsError);
  });

  it('rejects a nonsensical minimum', () => {
    expect(() => new PartBuffer(0)).toThrow(RangeError);
  });
});
