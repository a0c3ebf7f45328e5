import sharp from 'sharp';
import { BadRequest, PayloadTooLarge } from '../shared/errors';
import { ACCEPTED_AVATAR_TYPES, AVATAR_MAX_BYTES, type AvatarType } from '../shared/protocol/avatars';

/*
 * Avatar processing (issue #15): an upload is checked by its bytes, decoded, and re-encoded from pixels, so what
 * is served is never what was uploaded: no metadata (EXIF GPS, camera serials), no trailing payload, no polyglot.
 */

/** Square edge of the stored picture: twice the largest place it is shown (tiles), for sharp screens. */
export const AVATAR_EDGE = 256;
/** Decompression bombs: a small file that claims a huge canvas is refused before the pixels are allocated. */
export const AVATAR_MAX_INPUT_PIXELS = 40_000_000;

const SHARP_FORMAT: Record<AvatarType, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

/** The type the bytes themselves announce (magic numbers), whatever the request claimed. */
export function sniffAvatarType(bytes: Uint8Array): AvatarType | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

const notAnImage = () =>
  new BadRequest('Upload a JPEG, PNG or WebP picture; this file is not one', undefined, 'not-an-image');

/**
 * Checks and re-encodes one upload: size, declared type, the bytes' own type (so SVG or HTML named .png is
 * refused: libvips would otherwise happily render an SVG), a full decode, then a square WebP without metadata.
 */
export async function processAvatar(bytes: Uint8Array, declaredType: string): Promise<Buffer> {
  if (bytes.byteLength > AVATAR_MAX_BYTES) {
    throw new PayloadTooLarge(
      `Pictures can be at most ${AVATAR_MAX_BYTES / 1024 / 1024} MB; choose a smaller one`,
      'avatar-too-large',
    );
  }
  const declared = ACCEPTED_AVATAR_TYPES.find((t) => t === declaredType.trim().toLowerCase());
  if (!declared) {
    throw new BadRequest('Upload a JPEG, PNG or WebP picture', undefined, 'avatar-type');
  }
  const sniffed = sniffAvatarType(bytes);
  if (!sniffed || sniffed !== declared) throw notAnImage();
  const input = () =>
    sharp(bytes, { limitInputPixels: AVATAR_MAX_INPUT_PIXELS, failOn: 'error', animated: false, pages: 1 });
  let format: string | undefined;
  try {
    format = (await input().metadata()).format;
  } catch {
    throw notAnImage();
  }
  // The decoder's own verdict must agree with the magic number; anything else is a crafted file.
  if (format !== SHARP_FORMAT[sniffed]) throw notAnImage();
  try {
    return await input()
      .rotate() // applies the EXIF orientation to the pixels, since the metadata is about to go
      .resize(AVATAR_EDGE, AVATAR_EDGE, { fit: 'cover', position: 'attention' })
      .webp({ quality: 82, effort: 4 })
      .toBuffer(); // sharp writes no input metadata unless asked to (withMetadata): EXIF, XMP, ICC text all go
  } catch {
    throw notAnImage();
  }
}
