/*
 * The segmenter's input read straight from a camera frame's own pixels. A camera VideoFrame holds YUV planes
 * (I420 or NV12); copying them out (VideoFrame.copyTo) and sampling the model's small RGB input from them costs a
 * memcpy and a loop over 256×144 points, where drawing the frame on a canvas converts every pixel of the full
 * frame to RGB and reading the canvas back copies it again. Pure apart from copyFramePixels, so the sampling is
 * tested without a browser.
 */

/** Pixel formats sampled here; any other (I422, I444, …) goes the canvas way. */
export type SampledFormat = 'I420' | 'I420A' | 'NV12' | 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX';

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface FramePixels {
  format: SampledFormat;
  width: number;
  height: number;
  data: Uint8Array;
  /** Y, U, V (I420) or Y, UV (NV12) or the one RGBA plane, as copyTo laid them out in `data`. */
  planes: PlaneLayout[];
  /** YUV → RGB: BT.709 or BT.601 coefficients, and whether Y spans 0–255 or 16–235. */
  matrix: 'bt709' | 'bt601';
  fullRange: boolean;
}

const SAMPLED = new Set<string>(['I420', 'I420A', 'NV12', 'RGBA', 'RGBX', 'BGRA', 'BGRX']);

export function isSampledFormat(format: string | null): format is SampledFormat {
  return format !== null && SAMPLED.has(format);
}

/** The YUV matrix a frame's colour space names; cameras that say nothing are BT.601 (what webcams send). */
export function matrixOf(matrix: string | null | undefined): 'bt709' | 'bt601' {
  return matrix === 'bt709' ? 'bt709' : 'bt601';
}

/**
 * Copies the visible pixels of `frame` into `scratch` (grown when too small) and says how they are laid out;
 * null when the frame's format is not one sampled here.
 */
export async function copyFramePixels(frame: VideoFrame, scratch: { buffer: Uint8Array }): Promise<FramePixels | null> {
  const format = frame.format;
  const rect = frame.visibleRect;
  if (!isSampledFormat(format) || !rect) return null;
  const size = frame.allocationSize();
  if (scratch.buffer.byteLength < size) scratch.buffer = new Uint8Array(size);
  const planes = await frame.copyTo(scratch.buffer);
  return {
    format,
    width: rect.width,
    height: rect.height,
    data: scratch.buffer,
    planes: planes.map((p) => ({ offset: p.offset, stride: p.stride })),
    matrix: matrixOf(frame.colorSpace?.matrix),
    fullRange: frame.colorSpace?.fullRange ?? false,
  };
}

/** Per-matrix factors: R = Y + rv·V, G = Y − gu·U − gv·V, B = Y + bu·U (Y, U, V centred and scaled to full range). */
const FACTORS = {
  bt601: { rv: 1.402, gu: 0.344136, gv: 0.714136, bu: 1.772 },
  bt709: { rv: 1.5748, gu: 0.187324, gv: 0.468124, bu: 1.8556 },
} as const;

/**
 * Writes the model's float RGB input (0–1, width×height, at `offset` in `input`) sampled from `pixels`: the
 * nearest source pixel to each input point's centre, converted to RGB. The model is small and the mask smoothed,
 * so nearest sampling loses nothing it would use.
 */
export function writeModelInputFromPixels(
  pixels: FramePixels,
  input: Float32Array,
  offset: number,
  width: number,
  height: number,
): void {
  const { data, planes, format } = pixels;
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.min(pixels.width - 1, Math.floor(((x + 0.5) * pixels.width) / width));
  const rgba = format === 'RGBA' || format === 'RGBX';
  const bgra = format === 'BGRA' || format === 'BGRX';
  const f = FACTORS[pixels.matrix];
  const yScale = pixels.fullRange ? 1 / 255 : 1 / 219;
  const yBase = pixels.fullRange ? 0 : 16;
  const cScale = pixels.fullRange ? 1 / 255 : 1 / 224;
  const clamp = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  let o = offset;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(pixels.height - 1, Math.floor(((y + 0.5) * pixels.height) / height));
    if (rgba || bgra) {
      const row = planes[0]!.offset + sy * planes[0]!.stride;
      for (let x = 0; x < width; x++) {
        const i = row + xs[x]! * 4;
        input[o++] = data[rgba ? i : i + 2]! / 255;
        input[o++] = data[i + 1]! / 255;
        input[o++] = data[rgba ? i + 2 : i]! / 255;
      }
      continue;
    }
    const yRow = planes[0]!.offset + sy * planes[0]!.stride;
    const cy = sy >> 1;
    for (let x = 0; x < width; x++) {
      const sx = xs[x]!;
      const cx = sx >> 1;
      let u: number;
      let v: number;
      if (format === 'NV12') {
        const i = planes[1]!.offset + cy * planes[1]!.stride + cx * 2;
        u = data[i]!;
        v = data[i + 1]!;
      } else {
        u = data[planes[1]!.offset + cy * planes[1]!.stride + cx]!;
        v = data[planes[2]!.offset + cy * planes[2]!.stride + cx]!;
      }
      const luma = (data[yRow + sx]! - yBase) * yScale;
      const cb = (u - 128) * cScale;
      const cr = (v - 128) * cScale;
      input[o++] = clamp(luma + f.rv * cr);
      input[o++] = clamp(luma - f.gu * cb - f.gv * cr);
      input[o++] = clamp(luma + f.bu * cb);
    }
  }
}
