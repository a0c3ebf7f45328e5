import {
  fitCamera,
  hits,
  thinStroke,
  toScreen,
  toWorld,
  unionBox,
  zoomAt,
} from '../../../../frontend/src/features/whiteboard/board-geometry';
import { boardSvg } from '../../../../frontend/src/features/whiteboard/board-render';
import type { WhiteboardItem } from '../../../../functions/shared/protocol/whiteboard';

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

  it('thins a long stroke under the item limit and rounds it', () => {
    const points = Array.from({ length: 6000 }, (_v, i) => i * 1.234567);
    const thin = thinStroke(points, [], 500);
    expect(thin.points.length / 2).toBeLessThanOrEqual(500);
    expect(thin.points.length % 2).toBe(0);
    expect(thin.points.every((v) => Math.round(v * 10) / 10 === v)).toBe(true);
    expect(thin.pressure.length).toBe(thin.points.length / 2);
  });

  it('writes an SVG that escapes text', () => {
    const svg = boardSvg([{ ...line([0, 0, 1, 1]), kind: 'text', text: '<script>&' }], { x: 0, y: 0, zoom: 1 }, 10, 10);
    expect(svg).toContain('&lt;script&gt;&amp;');
    expect(svg).not.toContain('<script>');
  });
});
