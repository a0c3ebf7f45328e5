/**
 * Pen strokes as a page commits them, for the whiteboard's tests and benches: 24 points of a wobbly hand (no
 * coordinate falls on an integer, as with a real pointer), with pressure, through the page's own thinning and snapping
 * (frontend/src/features/whiteboard/board-geometry.ts). `grid: 'tenths'` rounds the same stroke as the page did before
 * it snapped to eighths (tenths of a world unit, hundredths of pressure): the reference for what the snapping saves.
 */
import * as Y from 'yjs';
import { thinStroke } from '../../frontend/src/features/whiteboard/board-geometry';
import { WHITEBOARD_ITEMS, WHITEBOARD_LIMITS, type WhiteboardItem } from '../../functions/shared/protocol/whiteboard';

export type StrokeGrid = 'page' | 'tenths';

export function handDrawnStroke(owner: string, n: number, grid: StrokeGrid = 'page'): WhiteboardItem {
  const raw: number[] = [];
  const rawPressure: number[] = [];
  for (let i = 0; i < 24; i += 1) {
    raw.push(((n * 37) % 2000) + i * 6.1 + Math.sin(n + i / 3) * 8, ((n * 53) % 1200) + i * 3.3 + Math.cos(i) * 2);
    rawPressure.push(0.4 + 0.2 * Math.sin(i / 4 + n));
  }
  const thin = thinStroke(raw, rawPressure, WHITEBOARD_LIMITS.itemCoordinates / 2);
  const round = (v: number, k: number) => Math.round(v * k) / k;
  const [points, pressure] =
    grid === 'page'
      ? [thin.points, thin.pressure]
      : [raw.map((v) => round(v, 10)), rawPressure.map((v) => round(v, 100))];
  return { kind: 'pen', owner, colour: '#1d4ed8', width: 4, points, pressure, order: 1.8e12 + n };
}

/**
 * A board of `strokes` strokes drawn by `authors` pages, each page its own Yjs client (as on a real board), encoded as
 * the stored snapshot would be.
 */
export function boardOfStrokes(strokes: number, authors = 20, grid: StrokeGrid = 'page'): Uint8Array {
  const board = new Y.Doc();
  for (let author = 0; author < authors; author += 1) {
    const page = new Y.Doc();
    const items = page.getMap<WhiteboardItem>(WHITEBOARD_ITEMS);
    for (let n = author; n < strokes; n += authors) {
      page.transact(() => items.set(`i${n}`, handDrawnStroke(`owner-${author}`, n, grid)));
    }
    Y.applyUpdate(board, Y.encodeStateAsUpdate(page));
  }
  return Y.encodeStateAsUpdate(board);
}

/** A page's log: `count` strokes, one update each, as the server's live log holds them between compactions. */
export function strokeLog(count: number, first = 100_000): Uint8Array[] {
  const page = new Y.Doc();
  const items = page.getMap<WhiteboardItem>(WHITEBOARD_ITEMS);
  const log: Uint8Array[] = [];
  page.on('update', (u: Uint8Array) => log.push(u));
  for (let i = 0; i < count; i += 1) page.transact(() => items.set(`x${i}`, handDrawnStroke('late', first + i)));
  return log;
}
