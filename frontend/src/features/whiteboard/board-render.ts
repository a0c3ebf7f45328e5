/**
 * Draws board items: onto a canvas (the live view and PNG export) and as SVG text (the SVG export). Both take the
 * items in drawing order and a camera, so a view, a PNG and an SVG of one board agree.
 */
import type { WhiteboardItem } from '../../../../functions/shared/protocol/whiteboard';
import { textSize, toScreen, type Camera, type Point } from './board-geometry';

const HIGHLIGHTER_ALPHA = 0.35;

function pairs(points: readonly number[]): Point[] {
  const out: Point[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) out.push({ x: points[i]!, y: points[i + 1]! });
  return out;
}

/** The pen's width at point `i`: pressure scales it between half and one and a half times the set width. */
const penWidth = (item: WhiteboardItem, i: number) => item.width * (0.5 + (item.pressure?.[i] ?? 0.5));

function arrowHead(a: Point, b: Point, size: number): [Point, Point] {
  const angle = Math.atan2(b.y - a.y, b.x - a.x);
  const spread = Math.PI / 7;
  return [
    { x: b.x - size * Math.cos(angle - spread), y: b.y - size * Math.sin(angle - spread) },
    { x: b.x - size * Math.cos(angle + spread), y: b.y - size * Math.sin(angle + spread) },
  ];
}

export function drawItem(ctx: CanvasRenderingContext2D, item: WhiteboardItem, cam: Camera): void {
  const pts = pairs(item.points).map((p) => toScreen(cam, p));
  const z = cam.zoom;
  ctx.save();
  ctx.strokeStyle = item.colour;
  ctx.fillStyle = item.colour;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = item.width * z;
  if (item.kind === 'highlighter') {
    ctx.globalAlpha = HIGHLIGHTER_ALPHA;
    ctx.lineWidth = item.width * 4 * z;
  }
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  switch (item.kind) {
    case 'pen':
      if (pts.length === 1) {
        ctx.beginPath();
        ctx.arc(first.x, first.y, (penWidth(item, 0) * z) / 2, 0, Math.PI * 2);
        ctx.fill();
      }
      for (let i = 1; i < pts.length; i += 1) {
        ctx.lineWidth = ((penWidth(item, i - 1) + penWidth(item, i)) / 2) * z;
        ctx.beginPath();
        ctx.moveTo(pts[i - 1]!.x, pts[i - 1]!.y);
        ctx.lineTo(pts[i]!.x, pts[i]!.y);
        ctx.stroke();
      }
      break;
    case 'highlighter':
    case 'line':
    case 'arrow':
      ctx.beginPath();
      pts.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
      ctx.stroke();
      if (item.kind === 'arrow' && pts.length >= 2) {
        const [l, r] = arrowHead(pts[pts.length - 2]!, last, item.width * 4 * z);
        ctx.beginPath();
        ctx.moveTo(l.x, l.y);
        ctx.lineTo(last.x, last.y);
        ctx.lineTo(r.x, r.y);
        ctx.stroke();
      }
      break;
    case 'rect':
      ctx.strokeRect(
        Math.min(first.x, last.x),
        Math.min(first.y, last.y),
        Math.abs(last.x - first.x),
        Math.abs(last.y - first.y),
      );
      break;
    case 'ellipse':
      ctx.beginPath();
      ctx.ellipse(
        (first.x + last.x) / 2,
        (first.y + last.y) / 2,
        Math.abs(last.x - first.x) / 2,
        Math.abs(last.y - first.y) / 2,
        0,
        0,
        Math.PI * 2,
      );
      ctx.stroke();
      break;
    case 'text':
      ctx.font = `${textSize(item) * z}px sans-serif`;
      ctx.textBaseline = 'top';
      ctx.fillText(item.text ?? '', first.x, first.y);
      break;
  }
  ctx.restore();
}

export function drawBoard(
  ctx: CanvasRenderingContext2D,
  items: readonly WhiteboardItem[],
  cam: Camera,
  width: number,
  height: number,
): void {
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.restore();
  for (const item of items) drawItem(ctx, item, cam);
}

const n = (v: number) => String(Math.round(v * 100) / 100);
const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

function svgItem(item: WhiteboardItem, cam: Camera): string {
  const pts = pairs(item.points).map((p) => toScreen(cam, p));
  const z = cam.zoom;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const stroke = `stroke="${item.colour}" fill="none" stroke-linecap="round" stroke-linejoin="round"`;
  const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)} ${n(p.y)}`).join(' ');
  switch (item.kind) {
    case 'pen':
      if (pts.length === 1) {
        return `<circle cx="${n(first.x)}" cy="${n(first.y)}" r="${n((penWidth(item, 0) * z) / 2)}" fill="${item.colour}"/>`;
      }
      return pts
        .slice(1)
        .map(
          (p, i) =>
            `<path d="M${n(pts[i]!.x)} ${n(pts[i]!.y)} L${n(p.x)} ${n(p.y)}" ${stroke} stroke-width="${n(((penWidth(item, i) + penWidth(item, i + 1)) / 2) * z)}"/>`,
        )
        .join('');
    case 'highlighter':
      return `<path d="${path}" ${stroke} stroke-opacity="${HIGHLIGHTER_ALPHA}" stroke-width="${n(item.width * 4 * z)}"/>`;
    case 'line':
      return `<path d="${path}" ${stroke} stroke-width="${n(item.width * z)}"/>`;
    case 'arrow': {
      const [l, r] = pts.length >= 2 ? arrowHead(pts[pts.length - 2]!, last, item.width * 4 * z) : [last, last];
      return `<path d="${path} M${n(l.x)} ${n(l.y)} L${n(last.x)} ${n(last.y)} L${n(r.x)} ${n(r.y)}" ${stroke} stroke-width="${n(item.width * z)}"/>`;
    }
    case 'rect':
      return `<rect x="${n(Math.min(first.x, last.x))}" y="${n(Math.min(first.y, last.y))}" width="${n(Math.abs(last.x - first.x))}" height="${n(Math.abs(last.y - first.y))}" ${stroke} stroke-width="${n(item.width * z)}"/>`;
    case 'ellipse':
      return `<ellipse cx="${n((first.x + last.x) / 2)}" cy="${n((first.y + last.y) / 2)}" rx="${n(Math.abs(last.x - first.x) / 2)}" ry="${n(Math.abs(last.y - first.y) / 2)}" ${stroke} stroke-width="${n(item.width * z)}"/>`;
    case 'text':
      return `<text x="${n(first.x)}" y="${n(first.y)}" dominant-baseline="hanging" font-family="sans-serif" font-size="${n(textSize(item) * z)}" fill="${item.colour}">${escapeXml(item.text ?? '')}</text>`;
  }
}

/** The board as a standalone SVG document of `width` × `height`. */
export function boardSvg(items: readonly WhiteboardItem[], cam: Camera, width: number, height: number): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...items.map((item) => svgItem(item, cam)),
    '</svg>',
  ].join('\n');
}
