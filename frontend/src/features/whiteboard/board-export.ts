/**
 * PNG and SVG files of a board: all items at world scale (scaled down only past a sane image size), framed by their
 * bounding box. The meeting's board view and the after-meeting page both export through here, so one board gives
 * the same files wherever it is exported.
 */
import type { WhiteboardItem } from '../../../../functions/shared/protocol/whiteboard';
import { h } from '../../ui/dom';
import { unionBox, type Camera } from './board-geometry';
import { boardSvg, drawBoard } from './board-render';

const EXPORT_MARGIN = 24;
const EXPORT_MAX_SIDE = 4096;

/** What an export shows: all items at world scale, scaled down only when larger than a sane image. */
export function exportFrame(items: readonly WhiteboardItem[]): { cam: Camera; width: number; height: number } {
  const box = unionBox(items) ?? { minX: 0, minY: 0, maxX: 1, maxY: 1 };
  const w = box.maxX - box.minX + 2 * EXPORT_MARGIN;
  const hgt = box.maxY - box.minY + 2 * EXPORT_MARGIN;
  const zoom = Math.min(1, EXPORT_MAX_SIDE / Math.max(w, hgt));
  return {
    cam: { x: box.minX - EXPORT_MARGIN, y: box.minY - EXPORT_MARGIN, zoom },
    width: Math.ceil(w * zoom),
    height: Math.ceil(hgt * zoom),
  };
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { attrs: { href: url, download: filename } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadPng(items: readonly WhiteboardItem[], filename: string): void {
  const f = exportFrame(items);
  const c = h('canvas', { attrs: { width: f.width, height: f.height } });
  drawBoard(c.getContext('2d')!, items, f.cam, f.width, f.height);
  c.toBlob((blob) => blob && download(blob, filename), 'image/png');
}

export function downloadSvg(items: readonly WhiteboardItem[], filename: string): void {
  const f = exportFrame(items);
  download(new Blob([boardSvg(items, f.cam, f.width, f.height)], { type: 'image/svg+xml' }), filename);
}
