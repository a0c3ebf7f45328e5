import { computeGrid } from '../../../../frontend/src/recordings/capture/tile-layout';

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('computeGrid', () => {
  it('fills the canvas with one tile', () => {
    expect(computeGrid(1, 1280, 720)).toEqual([{ x: 0, y: 0, width: 1280, height: 720 }]);
  });

  it('puts two tiles side by side and four in a 2×2 grid', () => {
    const two = computeGrid(2, 1280, 720);
    expect(two[0]!.y).toBe(two[1]!.y);
    expect(two[0]!.width).toBe(640);
    const four = computeGrid(4, 1280, 720);
    expect(new Set(four.map((c) => c.y)).size).toBe(2);
    expect(four[0]!.width).toBe(640);
  });

  it('keeps every tile on the canvas, 16:9 and apart, for up to nine participants', () => {
    for (let n = 1; n <= 9; n++) {
      const cells = computeGrid(n, 1280, 720, 8);
      expect(cells).toHaveLength(n);
      for (const c of cells) {
        expect(c.x).toBeGreaterThanOrEqual(0);
        expect(c.y).toBeGreaterThanOrEqual(0);
        expect(c.x + c.width).toBeLessThanOrEqual(1280 + 1e-9);
        expect(c.y + c.height).toBeLessThanOrEqual(720 + 1e-9);
        expect(c.width / c.height).toBeCloseTo(16 / 9);
      }
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(overlaps(cells[i]!, cells[j]!)).toBe(false);
    }
  });

  it('centres an incomplete last row', () => {
    const cells = computeGrid(3, 1280, 720);
    const last = cells[2]!;
    expect(last.x + last.width / 2).toBeCloseTo(640);
  });

  it('has no cells for nobody', () => {
    expect(computeGrid(0, 1280, 720)).toEqual([]);
  });
});
