export interface Cell {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Grid cells for `count` tiles on a `width`×`height` canvas: the column count that makes 16:9 tiles largest,
 * rows centred, a `gap` between cells. Pure, so the recorder's layout is tested without a browser.
 */
export function computeGrid(count: number, width: number, height: number, gap = 0): Cell[] {
  if (count <= 0) return [];
  let best = { cols: 1, rows: count, tile: 0 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const cellW = (width - gap * (cols + 1)) / cols;
    const cellH = (height - gap * (rows + 1)) / rows;
    const tileW = Math.min(cellW, (cellH * 16) / 9);
    // On a tie prefer more columns: side by side reads better than stacked on a landscape canvas.
    if (tileW >= best.tile) best = { cols, rows, tile: tileW };
  }
  const tileW = best.tile;
  const tileH = (tileW * 9) / 16;
  const gridH = best.rows * tileH + (best.rows - 1) * gap;
  const top = (height - gridH) / 2;
  const cells: Cell[] = [];
  for (let row = 0; row < best.rows; row++) {
    const inRow = Math.min(best.cols, count - row * best.cols);
    const rowW = inRow * tileW + (inRow - 1) * gap;
    const left = (width - rowW) / 2;
    for (let col = 0; col < inRow; col++) {
      cells.push({ x: left + col * (tileW + gap), y: top + row * (tileH + gap), width: tileW, height: tileH });
    }
  }
  return cells;
}
