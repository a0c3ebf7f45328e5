import { MAX_PARTS } from '../../../../frontend/src/recordings/capture/part-buffer';
import { planParts, planResume } from '../../../../frontend/src/recordings/upload/resume-plan';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('covers every byte exactly once with a short last part', () => {
    const parts = planParts(12 * MiB + 7, 5 * MiB);
    expect(parts).toEqual([
      { partNumber: 1, start: 0, end: 5 * MiB },
      { partNumber: 2, start: 5 * MiB, end: 10 * MiB },
      { partNumber: 3, start: 10 * MiB, end: 12 * MiB + 7 },
    ]);
  });

  it('plans one part for a file smaller than a part, and one empty part for an empty file', () => {
    expect(planParts(10, 5 * MiB)).toEqual([{ partNumber: 1, start: 0, end: 10 }]);
    expect(planParts(0, 5 * MiB)).toEqual([{ partNumber: 1, start: 0, end: 0 }]);
  });

  it('refuses plans S3 would reject', () => {
    expect(() => planParts(MAX_PARTS + 1, 1)).toThrow(/10000/);
    expect(() => planParts(-1, 5)).toThrow(RangeError);
    expect(() => planParts(10, 0)).toThrow(RangeError);
  });
});

describe('planResume', () => {
  const plan = planParts(12 * MiB, 5 * MiB);

  it('keeps the parts the server already holds and sends only the rest', () => {
    const result = planResume(plan, [{ partNumber: 1, size: 5 * MiB, etag: '"a"' }]);
    expect(result.done).toEqual([{ partNumber: 1, size: 5 * MiB, etag: '"a"' }]);
    expect(result.todo.map((p) => p.partNumber)).toEqual([2, 3]);
  });

  it('sends again a part whose size on the server does not match the plan', () => {
    const result = planResume(plan, [
      { partNumber: 1, size: 5 * MiB, etag: '"a"' },
      { partNumber: 2, size: 3 * MiB, etag: '"cut-short"' },
      { partNumber: 3, size: 2 * MiB, etag: '"c"' },
    ]);
    expect(result.done.map((p) => p.partNumber)).toEqual([1, 3]);
    expect(result.todo.map((p) => p.partNumber)).toEqual([2]);
  });

  it('ignores parts the plan does not have and resumes from nothing when the server has nothing', () => {
    const result = planResume(plan, [{ partNumber: 9, size: 5 * MiB, etag: '"x"' }]);
    expect(result.done).toEqual([]);
    expect(result.todo).toEqual(plan);
  });

  it('finishes at once when every part is already there', () => {
    const all = plan.map((p) => ({ partNumber: p.partNumber, size: p.end - p.start, etag: `"${p.partNumber}"` }));
    expect(planResume(plan, all)).toEqual({ done: all, todo: [] });
  });
});
