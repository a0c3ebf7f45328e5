import sharp from 'sharp';
import { AVATAR_EDGE, processAvatar, sniffAvatarType } from '../../../functions/avatars/process-avatar';
import { AVATAR_MAX_BYTES } from '../../../functions/shared/protocol/avatars';
import { isAppError } from '../../../functions/shared/errors';

const picture = (format: 'jpeg' | 'png' | 'webp', width = 640, height = 480) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .toFormat(format)
    .toBuffer();

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('avatar processing', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('re-encodes a %s upload as a square WebP', async (format) => {
    const out = await processAvatar(await picture(format), `image/${format}`);
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: AVATAR_EDGE, height: AVATAR_EDGE });
  });

  it('never serves what was uploaded: GPS and camera metadata are stripped, trailing bytes dropped', async () => {
    const tagged = await sharp(await picture('jpeg'))
      .withExif({ IFD0: { Make: 'SecretCam', Model: 'Serial-12345' }, IFD3: { GPSLatitudeRef: 'N' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(tagged).metadata()).exif).toBeDefined();
    const withPayload = Buffer.concat([tagged, Buffer.from('<script>alert(1)</script>')]);
    const out = await processAvatar(withPayload, 'image/jpeg');
    const meta = await sharp(out).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(out.toString('latin1')).not.toContain('SecretCam');
    expect(out.toString('latin1')).not.toContain('<script>');
    expect(out.equals(withPayload)).toBe(false);
  });

  it('refuses an oversize file before decoding it', async () => {
    const big = Buffer.alloc(AVATAR_MAX_BYTES + 1, 0);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(await refusal(processAvatar(big, 'image/png'))).toEqual({ status: 413, code: 'avatar-too-large' });
  });

  it('refuses a file that is not an image, and types other than JPEG/PNG/WebP', async () => {
    expect(await refusal(processAvatar(Buffer.from('just some text, not pixels'), 'image/png'))).toEqual({
      status: 400,
      code: 'not-an-image',
    });
    expect(await refusal(processAvatar(await picture('png'), 'image/gif'))).toMatchObject({ code: 'avatar-type' });
    expect(await refusal(processAvatar(await picture('png'), 'image/svg+xml'))).toMatchObject({ code: 'avatar-type' });
  });

  it('refuses SVG and HTML disguised as a picture (libvips could render SVG)', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script><rect width="64" height="64"/></svg>',
    );
    expect((await sharp(svg).metadata()).format).toBe('svg'); // the library would take it
    for (const type of ['image/png', 'image/jpeg', 'image/webp']) {
      expect(await refusal(processAvatar(svg, type))).toMatchObject({ status: 400, code: 'not-an-image' });
    }
    const html = Buffer.from('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>');
    expect(await refusal(processAvatar(html, 'image/jpeg'))).toMatchObject({ code: 'not-an-image' });
    // A PNG signature glued to SVG text: the magic number passes, the decoder does not.
    const glued = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), svg]);
    expect(await refusal(processAvatar(glued, 'image/png'))).toMatchObject({ code: 'not-an-image' });
  });

  it('refuses a picture whose bytes are another type than declared, and a truncated one', async () => {
    expect(await refusal(processAvatar(await picture('png'), 'image/jpeg'))).toMatchObject({ code: 'not-an-image' });
    const jpeg = await picture('jpeg');
    expect(await refusal(processAvatar(jpeg.subarray(0, 200), 'image/jpeg'))).toMatchObject({ code: 'not-an-image' });
  });

  it('refuses a decompression bomb by its claimed size', async () => {
    const huge = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(huge.byteLength).toBeLessThan(AVATAR_MAX_BYTES);
    expect(await refusal(processAvatar(huge, 'image/png'))).toMatchObject({ code: 'not-an-image' });
  }, 30_000);

  it('sniffs types by magic number only', () => {
    expect(sniffAvatarType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffAvatarType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffAvatarType(Buffer.from('GIF89a'))).toBeUndefined();
  });
});
