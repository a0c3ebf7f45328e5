import {
  fitCamera,
  hits,
  pressureFromSpeed,
  snapWorld,
  thinStroke,
  toScreen,
  toWorld,
  unionBox,
  zoomAt,
} from '../../../../frontend/src/features/whiteboard/board-geometry';
import { boardSvg } from '../../../../frontend/src/features/whiteboard/board-render';
import * as Y from 'yjs';
import {
  WHITEBOARD_ITEMS,
  WHITEBOARD_LIMITS,
  type WhiteboardItem,
} from '../../../../functions/shared/protocol/whiteboard';
import { boardOfStrokes, handDrawnStroke } from '../../../support/board-strokes';

const line = (points: number[]): WhiteboardItem => ({
  kind: 'line',
  owner: 'o',
  colour: '#000000',
  width: 2,
  points,
  order: 1,
});

describe('whiteboard geometry', () => {
  it('maps world and screen both ways and zooms about the pointer', () => {
    const cam = { x: 100, y: 50, zoom: 2 };
    const p = { x: 30, y: 40 };
    expect(toScreen(cam, toWorld(cam, p))).toEqual(p);
    const zoomed = zoomAt(cam, p, 3);
    expect(zoomed.zoom).toBe(6);
    expect(toWorld(zoomed, p)).toEqual(toWorld(cam, p));
  });

  it('fits all items into any window, whatever its size', () => {
    const items = [line([0, 0, 100, 0]), line([50, 200, 60, 210])];
    const box = unionBox(items)!;
    for (const [w, h] of [
      [1280, 800],
      [400, 900],
    ] as const) {
      const cam = fitCamera(box, w, h);
      const tl = toScreen(cam, { x: box.minX, y: box.minY });
      const br = toScreen(cam, { x: box.maxX, y: box.maxY });
      expect(tl.x).toBeGreaterThanOrEqual(0);
      expect(tl.y).toBeGreaterThanOrEqual(0);
      expect(br.x).toBeLessThanOrEqual(w);
      expect(br.y).toBeLessThanOrEqual(h);
    }
  });

  it('hit-tests along a line, not its whole box', () => {
    const item = line([0, 0, 100, 100]);
    expect(hits(item, { x: 50, y: 50 }, 2)).toBe(true);
    expect(hits(item, { x: 90, y: 10 }, 2)).toBe(false);
  });

  it('thins a long stroke under the item limit and snaps every number to a grid Yjs stores in 4 bytes', () => {
    const points = Array.from({ length: 6000 }, (_v, i) => i * 1.234567);
    const pressure = Array.from({ length: 3000 }, (_v, i) => 0.3 + (i % 7) / 10.3);
    const thin = thinStroke(points, pressure, 500);
    expect(thin.points.length / 2).toBeLessThanOrEqual(500);
    expect(thin.points.length % 2).toBe(0);
    expect(thin.pressure.length).toBe(thin.points.length / 2);
    // An exact 32-bit float (or an integer) is what lib0 writes in 4 bytes instead of 8.
    const float32 = (v: number) => Math.fround(v) === v;
    expect(thin.points.every((v) => float32(v) && Math.abs(v - Math.round(v * 8) / 8) === 0)).toBe(true);
    expect(thin.pressure.every(float32)).toBe(true);
    expect(pressureFromSpeed(0.37)).toBe(Math.fround(pressureFromSpeed(0.37)));
    // At the edge of the world too: 8 × 1 000 000 still fits a 32-bit float's 24-bit significand.
    const edge = snapWorld(WHITEBOARD_LIMITS.worldExtent - 0.3);
    expect(float32(edge)).toBe(true);
    expect(Math.abs(edge - (WHITEBOARD_LIMITS.worldExtent - 0.3))).toBeLessThanOrEqual(1 / 16);
  });

  it('keeps a board of 10 000 hand-drawn 24-point pen strokes under the board limit', () => {
    expect(handDrawnStroke('o', 1).points).toHaveLength(48);
    const board = boardOfStrokes(10_000);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, board);
    expect(doc.getMap(WHITEBOARD_ITEMS).size).toBe(10_000);
    expect(board.length).toBeLessThan(WHITEBOARD_LIMITS.boardBytes);
    // The grid is what makes them fit: on the page's former grid (tenths) the same strokes would not.
    expect(boardOfStrokes(10_000, 20, 'tenths').length).toBeGreaterThan(WHITEBOARD_LIMITS.boardBytes);
  });

  it('writes an SVG that escapes text', () => {
    const svg = boardSvg([{ ...line([0, 0, 1, 1]), kind: 'text', text: '<script>&' }], { x: 0, y: 0, zoom: 1 }, 10, 10);
    expect(svg).toContain('&lt;script&gt;&amp;');
    expect(svg).not.toContain('<script>');
  });
});
