/**
 * World and screen: items live in world units; a camera (the world point at the view's top left, and a zoom) maps
 * them to pixels. Pure functions, so the same board fits, hit-tests and exports alike in every window.
 */
import type { WhiteboardItem } from '../../../../functions/shared/protocol/whiteboard';

export interface Camera {
  x: number;
  y: number;
  zoom: number;
}
export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}
export interface Point {
  x: number;
  y: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 20;

export const toWorld = (c: Camera, p: Point): Point => ({ x: c.x + p.x / c.zoom, y: c.y + p.y / c.zoom });
export const toScreen = (c: Camera, p: Point): Point => ({ x: (p.x - c.x) * c.zoom, y: (p.y - c.y) * c.zoom });

/** Zooms by `factor` keeping the world point under `at` (screen) where it is. */
export function zoomAt(c: Camera, at: Point, factor: number): Camera {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, c.zoom * factor));
  const w = toWorld(c, at);
  return { zoom, x: w.x - at.x / zoom, y: w.y - at.y / zoom };
}

/** The font size of a text item, from its width setting. */
export const textSize = (item: WhiteboardItem) => Math.max(8, item.width * 6);

export function itemBox(item: WhiteboardItem): Box {
  const p = item.points;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < p.length; i += 2) {
    minX = Math.min(minX, p[i]!);
    maxX = Math.max(maxX, p[i]!);
    minY = Math.min(minY, p[i + 1]!);
    maxY = Math.max(maxY, p[i + 1]!);
  }
  if (item.kind === 'text') {
    const size = textSize(item);
    // A rough width (0.6 em per character): enough to click on and to fit the view around.
    maxX = minX + Math.max(1, (item.text ?? '').length) * size * 0.6;
    maxY = minY + size * 1.2;
  }
  const pad =
    item.kind === 'highlighter' ? item.width * 2 : item.width / 2 + (item.kind === 'arrow' ? item.width * 3 : 0);
  return { minX: minX - pad, minY: minY - pad, maxX: maxX + pad, maxY: maxY + pad };
}

export function unionBox(items: Iterable<WhiteboardItem>): Box | undefined {
  let box: Box | undefined;
  for (const item of items) {
    const b = itemBox(item);
    box = box
      ? {
          minX: Math.min(box.minX, b.minX),
          minY: Math.min(box.minY, b.minY),
          maxX: Math.max(box.maxX, b.maxX),
          maxY: Math.max(box.maxY, b.maxY),
        }
      : b;
  }
  return box;
}

/** The camera that shows all of `box` in a view of `width` × `height` pixels, centred, with a margin. */
export function fitCamera(box: Box | undefined, width: number, height: number, margin = 24): Camera {
  if (!box) return { x: -width / 2, y: -height / 2, zoom: 1 };
  const w = Math.max(1, box.maxX - box.minX);
  const hgt = Math.max(1, box.maxY - box.minY);
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.min((width - 2 * margin) / w, (height - 2 * margin) / hgt)));
  return { zoom, x: box.minX - (width / zoom - w) / 2, y: box.minY - (height / zoom - hgt) / 2 };
}

function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Whether world point `p` touches `item` (within `tolerance` world units). */
export function hits(item: WhiteboardItem, p: Point, tolerance: number): boolean {
  const b = itemBox(item);
  if (p.x < b.minX - tolerance || p.x > b.maxX + tolerance || p.y < b.minY - tolerance || p.y > b.maxY + tolerance) {
    return false;
  }
  if (item.kind === 'text' || item.kind === 'rect' || item.kind === 'ellipse') return true;
  const pts = item.points;
  const reach = tolerance + item.width / 2;
  if (pts.length === 2) return Math.hypot(p.x - pts[0]!, p.y - pts[1]!) <= reach;
  for (let i = 0; i + 3 < pts.length; i += 2) {
    if (segmentDistance(p, { x: pts[i]!, y: pts[i + 1]! }, { x: pts[i + 2]!, y: pts[i + 3]! }) <= reach) return true;
  }
  return false;
}

/**
 * The grids a stored item's numbers are snapped to. Yjs writes a number as a varint when it is an integer, in 4 bytes
 * when it is exactly a 32-bit float, and in 8 bytes otherwise (lib0's writeAny, plus one type byte each). Eighths of a
 * world unit and 64ths of pressure are always exact 32-bit floats inside the world's bounds, so a stroke's numbers
 * take 5 bytes instead of the 9 that tenths and hundredths took: a stored 24-point pen stroke is 0.64× the bytes
 * (`npm run bench:whiteboard-storage`). An eighth of a unit is below what a screen shows at zoom 1 and 2; at
 * MAX_ZOOM it is 2.5 px, where tenths were 2 px.
 */
export const WORLD_GRID = 8;
export const PRESSURE_GRID = 64;
export const snapWorld = (v: number) => Math.round(v * WORLD_GRID) / WORLD_GRID;
export const snapPressure = (p: number) => Math.round(p * PRESSURE_GRID) / PRESSURE_GRID;

/**
 * Keeps a stroke within the item limit and its updates small: drops points closer than `minStep` to the last kept
 * one, then every other point while still too many. Numbers are snapped to the grids above.
 */
export function thinStroke(points: number[], pressure: number[], maxPoints: number, minStep = 1.5) {
  let xs: number[] = [];
  let ps: number[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const n = xs.length;
    const last = i + 2 >= points.length;
    if (n >= 2 && !last && Math.hypot(points[i]! - xs[n - 2]!, points[i + 1]! - xs[n - 1]!) < minStep) continue;
    xs.push(snapWorld(points[i]!), snapWorld(points[i + 1]!));
    ps.push(snapPressure(pressure[i / 2] ?? 0.5));
  }
  while (xs.length / 2 > maxPoints) {
    xs = xs.filter((_v, i) => Math.floor(i / 2) % 2 === 0 || i >= xs.length - 2);
    ps = ps.filter((_v, i) => i % 2 === 0 || i === ps.length - 1);
  }
  return { points: xs, pressure: ps };
}

/** Pressure for a mouse or touch (which report none): faster strokes draw thinner, as ink does. */
export function pressureFromSpeed(pixelsPerMs: number): number {
  return snapPressure(Math.max(0.25, Math.min(1, 1.1 - pixelsPerMs / 3)));
}
