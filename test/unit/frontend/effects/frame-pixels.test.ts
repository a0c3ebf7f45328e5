import {
  isSampledFormat,
  matrixOf,
  writeModelInputFromPixels,
  type FramePixels,
} from '../../../../frontend/src/features/effects/frame-pixels';

type Rgb = [number, number, number];

/** BT.601 limited-range YUV of an RGB colour (0–255), as a webcam encodes it. */
function yuv601([r, g, b]: Rgb): Rgb {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112 * b) / 255;
  const v = 128 + (112 * r - 93.786 * g - 18.214 * b) / 255;
  return [Math.round(y), Math.round(u), Math.round(v)];
}

/** A width×height frame whose left half is `left` and right half `right`, in I420 or NV12 with padded strides. */
function halves(format: 'I420' | 'NV12', width: number, height: number, left: Rgb, right: Rgb): FramePixels {
  const pad = 8;
  const yStride = width + pad;
  const cw = width / 2;
  const ch = height / 2;
  const cStride = (format === 'NV12' ? width : cw) + pad;
  const ySize = yStride * height;
  const cSize = cStride * ch;
  const data = new Uint8Array(ySize + cSize * (format === 'NV12' ? 1 : 2));
  const colour = (x: number) => yuv601(x < width / 2 ? left : right);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * yStride + x] = colour(x)[0];
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const [, u, v] = colour(x * 2);
      if (format === 'NV12') {
        data[ySize + y * cStride + x * 2] = u;
        data[ySize + y * cStride + x * 2 + 1] = v;
      } else {
        data[ySize + y * cStride + x] = u;
        data[ySize + cSize + y * cStride + x] = v;
      }
    }
  }
  const planes =
    format === 'NV12'
      ? [
          { offset: 0, stride: yStride },
          { offset: ySize, stride: cStride },
        ]
      : [
          { offset: 0, stride: yStride },
          { offset: ySize, stride: cStride },
          { offset: ySize + cSize, stride: cStride },
        ];
  return { format, width, height, data, planes, matrix: 'bt601', fullRange: false };
}

function sample(pixels: FramePixels, width: number, height: number): number[][] {
  const input = new Float32Array(4 + width * height * 3);
  writeModelInputFromPixels(pixels, input, 4, width, height);
  const out: number[][] = [];
  for (let i = 0; i < width * height; i++) out.push([...input.subarray(4 + i * 3, 7 + i * 3)]);
  return out;
}

const close = (got: number[], want: Rgb) =>
  got.forEach((value, i) => expect(Math.abs(value - want[i]! / 255)).toBeLessThan(0.02));

describe('the segmenter input sampled from a frame’s own planes', () => {
  it.each(['I420', 'NV12'] as const)('converts %s (BT.601, limited range) to RGB at the right places', (format) => {
    const red: Rgb = [230, 20, 30];
    const teal: Rgb = [20, 160, 150];
    const got = sample(halves(format, 64, 36, red, teal), 4, 2);
    for (const row of [0, 1]) {
      close(got[row * 4]!, red);
      close(got[row * 4 + 1]!, red);
      close(got[row * 4 + 2]!, teal);
      close(got[row * 4 + 3]!, teal);
    }
  });

  it('reads RGBA and BGRA planes in their own byte order', () => {
    const data = new Uint8Array([10, 20, 30, 255, 40, 50, 60, 255]);
    const base = { width: 2, height: 1, data, planes: [{ offset: 0, stride: 8 }], matrix: 'bt601', fullRange: true };
    const rgba = sample({ ...base, format: 'RGBA' } as FramePixels, 2, 1);
    const bgra = sample({ ...base, format: 'BGRX' } as FramePixels, 2, 1);
    close(rgba[1]!, [40, 50, 60]);
    close(bgra[0]!, [30, 20, 10]);
  });

  it('keeps the output in 0–1 when limited-range values overshoot', () => {
    const pixels = halves('I420', 4, 4, [255, 255, 255], [0, 0, 0]);
    pixels.data.fill(255, 0, pixels.planes[1]!.offset); // Y above 235
    for (const value of sample(pixels, 2, 2).flat()) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });

  it('samples only the formats it knows, and reads BT.709 only when the frame says so', () => {
    expect(['I420', 'I420A', 'NV12', 'RGBA', 'BGRX'].every(isSampledFormat)).toBe(true);
    expect(isSampledFormat('I444')).toBe(false);
    expect(isSampledFormat(null)).toBe(false);
    expect(matrixOf('bt709')).toBe('bt709');
    expect(matrixOf('smpte170m')).toBe('bt601');
    expect(matrixOf(null)).toBe('bt601');
  });
});
