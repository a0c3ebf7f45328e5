import { MIN_PART_BYTES, PartBuffer, TooManyPartsError } from '../../../../frontend/src/recordings/capture/part-buffer';

/** A fake chunk: a run of consecutive byte offsets, so tests can check no byte is lost, doubled or reordered. */
interface Run {
  readonly from: number;
  readonly size: number;
}
const slice = (c: Run, start: number, end: number): Run => ({ from: c.from + start, size: end - start });

function recorder(partBytes: number, maxParts?: number) {
  const buffer = new PartBuffer<Run>({ partBytes, slice, maxParts });
  let offset = 0;
  return {
    buffer,
    push(size: number) {
      const parts = buffer.push({ from: offset, size });
      offset += size;
      return parts;
    },
  };
}

function bytesOf(chunks: readonly Run[]): number[] {
  return chunks.flatMap((c) => Array.from({ length: c.size }, (_, i) => c.from + i));
}

describe('PartBuffer', () => {
  it('holds chunks until a whole part has piled up, then hands it out', () => {
    const r = recorder(10);
    expect(r.push(4)).toEqual([]);
    expect(r.push(4)).toEqual([]);
    const [part] = r.push(4);
    expect(part).toMatchObject({ partNumber: 1, size: 10, last: false });
    expect(bytesOf(part!.chunks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.buffer.bufferedBytes).toBe(2);
  });

  it('makes every part but the last exactly the part size (the API presigns that exact length)', () => {
    const r = recorder(1000);
    const parts = [];
    let total = 0;
    for (let i = 0; i < 400; i++) {
      const size = 1 + ((i * 37) % 300);
      total += size;
      parts.push(...r.push(size));
      expect(r.buffer.bufferedBytes).toBeLessThan(1000);
    }
    const last = r.buffer.finish();
    parts.push(last!);
    expect(parts.slice(0, -1).every((p) => p.size === 1000 && !p.last)).toBe(true);
    expect(last!.last).toBe(true);
    expect(parts.map((p) => p.partNumber)).toEqual(parts.map((_, i) => i + 1));
    const all = parts.flatMap((p) => bytesOf(p.chunks));
    expect(all).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('cuts a chunk larger than several parts into several parts', () => {
    const r = recorder(10);
    r.push(3);
    const parts = r.push(25);
    expect(parts.map((p) => p.size)).toEqual([10, 10]);
    expect(r.buffer.bufferedBytes).toBe(8);
    expect(bytesOf(parts[1]!.chunks)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('lets the final part be small and returns nothing when no bytes are left over', () => {
    const small = recorder(100);
    small.push(10);
    expect(small.buffer.finish()).toMatchObject({ partNumber: 1, size: 10, last: true });

    const exact = recorder(100);
    expect(exact.push(100)).toEqual([expect.objectContaining({ partNumber: 1, size: 100 })]);
    expect(exact.buffer.finish()).toBeNull();
  });

  it('ignores empty chunks (MediaRecorder emits them when nothing changed)', () => {
    const r = recorder(100);
    expect(r.push(0)).toEqual([]);
    expect(r.buffer.finish()).toBeNull();
    expect(r.buffer.partsEmitted).toBe(0);
  });

  it('refuses chunks after finish and a second finish', () => {
    const r = recorder(100);
    r.buffer.finish();
    expect(() => r.push(5)).toThrow(/already been finished/);
    expect(() => r.buffer.finish()).toThrow(/already been finished/);
  });

  it('stops at the part limit with a clear error', () => {
    const r = recorder(1, 3);
    r.push(3);
    expect(() => r.push(1)).toThrow(TooManyPartsError);
  });

  it('rejects a nonsensical part size, and S3 minimum is 5 MiB', () => {
    expect(() => new PartBuffer<Run>({ partBytes: 0, slice })).toThrow(RangeError);
    expect(MIN_PART_BYTES).toBe(5 * 1024 * 1024);
  });
});
