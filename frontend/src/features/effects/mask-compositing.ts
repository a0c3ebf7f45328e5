/*
 * The arithmetic between the segmenter and the canvas: how a person-probability becomes mask opacity, where a
 * background image lands on a frame, how wide the blur is. Pure, so it is tested without a browser.
 */
import type { BlurStrength } from './effect-choice';

/** Probabilities (0–255) under LOW are background, over HIGH person; a smooth ramp between avoids a hard halo. */
export const MASK_LOW = 80;
export const MASK_HIGH = 180;

/** Mask opacity (0–255) for a person probability in [0, 1]. */
export function maskAlpha(probability: number): number {
  const p = Math.max(0, Math.min(1, probability)) * 255;
  if (p <= MASK_LOW) return 0;
  if (p >= MASK_HIGH) return 255;
  const t = (p - MASK_LOW) / (MASK_HIGH - MASK_LOW);
  return Math.round(t * t * (3 - 2 * t) * 255);
}

/** Writes maskAlpha of each probability into the alpha byte of an RGBA buffer (colour bytes left as they are). */
export function writeMaskAlpha(probabilities: ArrayLike<number>, rgba: Uint8ClampedArray): void {
  const pixels = Math.min(probabilities.length, rgba.length / 4);
  for (let i = 0; i < pixels; i++) rgba[i * 4 + 3] = maskAlpha(probabilities[i]!);
}

/** Copies RGBA bytes into the model's float RGB input (0–1), as the selfie model expects. */
export function writeModelInput(rgba: Uint8ClampedArray, input: Float32Array, offset: number, pixels: number): void {
  for (let i = 0; i < pixels; i++) {
    const o = offset + i * 3;
    input[o] = rgba[i * 4]! / 255;
    input[o + 1] = rgba[i * 4 + 1]! / 255;
    input[o + 2] = rgba[i * 4 + 2]! / 255;
  }
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where to draw an image so it covers the whole frame, centred, keeping its aspect ratio (CSS object-fit: cover). */
export function coverRect(imageWidth: number, imageHeight: number, frameWidth: number, frameHeight: number): Rect {
  const scale = Math.max(frameWidth / imageWidth, frameHeight / imageHeight);
  const width = imageWidth * scale;
  const height = imageHeight * scale;
  return { x: (frameWidth - width) / 2, y: (frameHeight - height) / 2, width, height };
}

/** Output size for a frame under a width cap: even dimensions (video encoders want them), aspect kept. */
export function scaledSize(width: number, height: number, maxWidth: number): { width: number; height: number } {
  const scale = width > maxWidth ? maxWidth / width : 1;
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return { width: even(width), height: even(height) };
}

/**
 * The background is blurred on a copy at 1/BLUR_DOWNSCALE of the frame (far cheaper than blurring full size, and
 * invisible after a blur this wide); the radius is in that copy's pixels and scales with the frame so light and
 * strong look the same at 360p and 720p.
 */
export const BLUR_DOWNSCALE = 4;

export function blurRadius(strength: BlurStrength, frameWidth: number): number {
  const share = strength === 'strong' ? 0.03 : 0.012;
  return Math.max(1, Math.round((frameWidth * share) / BLUR_DOWNSCALE));
}
