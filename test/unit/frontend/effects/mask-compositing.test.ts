import {
  MASK_HIGH,
  MASK_LOW,
  blurRadius,
  coverRect,
  maskAlpha,
  scaledSize,
  writeMaskAlpha,
  writeModelInput,
} from '../../../../frontend/src/features/effects/mask-compositing';

describe('mask compositing maths', () => {
  it('maps person probability to opacity: background clear, person solid, a smooth ramp between', () => {
    expect(maskAlpha(0)).toBe(0);
    expect(maskAlpha(MASK_LOW / 255)).toBe(0);
    expect(maskAlpha(MASK_HIGH / 255)).toBe(255);
    expect(maskAlpha(1)).toBe(255);
    expect(maskAlpha(-1)).toBe(0);
    expect(maskAlpha(2)).toBe(255);
    const mid = maskAlpha((MASK_LOW + MASK_HIGH) / 2 / 255);
    expect(mid).toBeGreaterThanOrEqual(126);
    expect(mid).toBeLessThanOrEqual(129);
    let previous = -1;
    for (let p = 0; p <= 1; p += 0.01) {
      expect(maskAlpha(p)).toBeGreaterThanOrEqual(previous);
      previous = maskAlpha(p);
    }
  });

  it('writes the mask into alpha only and the model input as 0–1 RGB', () => {
    const rgba = new Uint8ClampedArray([10, 20, 30, 99, 40, 50, 60, 99]);
    writeMaskAlpha([0, 1], rgba);
    expect(Array.from(rgba)).toEqual([10, 20, 30, 0, 40, 50, 60, 255]);
    const input = new Float32Array(8);
    writeModelInput(new Uint8ClampedArray([255, 0, 51, 1, 0, 255, 102, 1]), input, 2, 2);
    expect(Array.from(input)).toEqual([0, 0, 1, 0, expect.closeTo(0.2, 5), 0, 1, expect.closeTo(0.4, 5)]);
  });

  it('covers the frame with a background image, centred, aspect kept', () => {
    expect(coverRect(1280, 720, 640, 360)).toEqual({ x: 0, y: 0, width: 640, height: 360 });
    expect(coverRect(1000, 1000, 640, 360)).toEqual({ x: 0, y: -140, width: 640, height: 640 });
    expect(coverRect(400, 100, 640, 360)).toEqual({ x: -400, y: 0, width: 1440, height: 360 });
  });

  it('caps the output width with even dimensions', () => {
    expect(scaledSize(1280, 720, 1280)).toEqual({ width: 1280, height: 720 });
    expect(scaledSize(1280, 720, 640)).toEqual({ width: 640, height: 360 });
    expect(scaledSize(1280, 720, 960)).toEqual({ width: 960, height: 540 });
    expect(scaledSize(641, 361, 2000)).toEqual({ width: 642, height: 362 });
  });

  it('blurs strong more than light, scaled to the frame', () => {
    expect(blurRadius('strong', 640)).toBeGreaterThan(blurRadius('light', 640));
    expect(blurRadius('strong', 1280)).toBeGreaterThan(blurRadius('strong', 640));
    expect(blurRadius('light', 100)).toBeGreaterThanOrEqual(1);
  });
});
