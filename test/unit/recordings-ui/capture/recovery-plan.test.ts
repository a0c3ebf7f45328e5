import { planRecovery } from '../../../../frontend/src/recordings/capture/recovery-plan';

const P = 100; // part size in these tests
const part = (partNumber: number, size: number) => ({ partNumber, size, etag: `"e${partNumber}"` });
/** Chunks of the given sizes, back to back from `from`. */
function chunks(from: number, ...sizes: number[]) {
  let start = from;
  return sizes.map((size) => {
    const c = { start, size };
    start += size;
    return c;
  });
}

describe('planRecovery: how an interrupted meeting recording is finished', () => {
  it('sends everything the journal kept as one final part when S3 has nothing yet', () => {
    const plan = planRecovery({ partBytes: P, uploaded: [], chunks: chunks(0, 30, 30, 25), ackedBytes: 0 });
    expect(plan).toEqual({
      keep: [],
      send: [{ partNumber: 1, start: 0, end: 85, last: true }],
      totalBytes: 85,
      droppedBytes: 0,
    });
  });

  it('keeps the whole parts S3 acknowledged and continues mid-chunk from the first byte S3 lacks', () => {
    // Part 1 was acknowledged; the chunk that straddled its end (90..130) is still in the journal.
    const plan = planRecovery({ partBytes: P, uploaded: [part(1, P)], chunks: chunks(90, 40, 50), ackedBytes: P });
    expect(plan.keep).toEqual([part(1, P)]);
    expect(plan.send).toEqual([{ partNumber: 2, start: 100, end: 180, last: true }]);
    expect(plan.totalBytes).toBe(180);
  });

  it('trusts S3 over the journal: a part uploaded just before the crash, not yet journalled, is not sent again', () => {
    const plan = planRecovery({
      partBytes: P,
      uploaded: [part(1, P), part(2, P)],
      chunks: chunks(100, 60, 60, 30),
      ackedBytes: P,
    });
    expect(plan.keep.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(plan.send).toEqual([{ partNumber: 3, start: 200, end: 250, last: true }]);
  });

  it('cuts more than a part of journalled bytes (an upload that kept failing) into whole parts and a last one', () => {
    const plan = planRecovery({ partBytes: P, uploaded: [], chunks: chunks(0, 120, 120), ackedBytes: 0 });
    expect(plan.send).toEqual([
      { partNumber: 1, start: 0, end: 100, last: false },
      { partNumber: 2, start: 100, end: 200, last: false },
      { partNumber: 3, start: 200, end: 240, last: true },
    ]);
  });

  it('completes as it is when the crash came after the final part was stored (nothing left to send)', () => {
    const plan = planRecovery({ partBytes: P, uploaded: [part(1, P), part(2, 40)], chunks: [], ackedBytes: 140 });
    expect(plan.keep.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(plan.send).toEqual([]);
    expect(plan.totalBytes).toBe(140);
  });

  it('sends a short part again when recorded bytes come after it', () => {
    const plan = planRecovery({
      partBytes: P,
      uploaded: [part(1, P), part(2, 40)],
      chunks: chunks(100, 40, 30),
      ackedBytes: P,
    });
    expect(plan.keep.map((p) => p.partNumber)).toEqual([1]);
    expect(plan.send).toEqual([{ partNumber: 2, start: 100, end: 170, last: true }]);
  });

  it('stops at a gap in the journal: what follows a lost chunk is dropped, not glued on', () => {
    const plan = planRecovery({
      partBytes: P,
      uploaded: [],
      chunks: [
        { start: 0, size: 30 },
        { start: 50, size: 30 },
      ],
      ackedBytes: 0,
    });
    expect(plan.send).toEqual([{ partNumber: 1, start: 0, end: 30, last: true }]);
    expect(plan.droppedBytes).toBe(50);
  });

  it('has nothing to send for a recording that never produced a byte', () => {
    expect(planRecovery({ partBytes: P, uploaded: [], chunks: [], ackedBytes: 0 })).toEqual({
      keep: [],
      send: [],
      totalBytes: 0,
      droppedBytes: 0,
    });
  });
});
