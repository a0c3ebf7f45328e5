import { MAX_FILE_NAME_LENGTH, MAX_UPLOAD_BYTES } from '../../../../functions/shared/protocol/recordings';
import { acceptAttribute, preflightUpload } from '../../../../frontend/src/recordings/upload/upload-preflight';

describe('preflightUpload', () => {
  it('refuses a file over the limit before upload, naming both sizes', () => {
    const result = preflightUpload({ name: 'all-hands.mp4', size: MAX_UPLOAD_BYTES + 1, type: 'video/mp4' });
    expect(result).toEqual({ ok: false, reason: '"all-hands.mp4" is 2.0 GB; a recording can be at most 2.0 GB.' });
    const big = preflightUpload({ name: 'big.mov', size: 5 * 1024 ** 3, type: 'video/quicktime' });
    expect(big.ok ? '' : big.reason).toMatch(/is 5\.0 GB; a recording can be at most 2\.0 GB/);
  });

  it('refuses a file name longer than the server accepts, before upload', () => {
    const name = `${'n'.repeat(MAX_FILE_NAME_LENGTH - 3)}.mp4`;
    expect(preflightUpload({ name, size: 10, type: 'video/mp4' })).toEqual({
      ok: false,
      reason: `The file name is ${MAX_FILE_NAME_LENGTH + 1} characters long; the limit is ${MAX_FILE_NAME_LENGTH}. Rename the file and pick it again.`,
    });
    expect(preflightUpload({ name: name.slice(1), size: 10, type: 'video/mp4' }).ok).toBe(true);
  });

  it('accepts a file exactly at the limit', () => {
    expect(preflightUpload({ name: 'x.mp4', size: MAX_UPLOAD_BYTES, type: 'video/mp4' })).toEqual({
      ok: true,
      contentType: 'video/mp4',
    });
  });

  it('refuses an empty file and a type the server does not accept', () => {
    expect(preflightUpload({ name: 'a.mp4', size: 0, type: 'video/mp4' })).toEqual({
      ok: false,
      reason: '"a.mp4" is empty.',
    });
    const doc = preflightUpload({ name: 'notes.txt', size: 10, type: 'text/plain' });
    expect(doc.ok ? '' : doc.reason).toMatch(/not a video or audio file.*\.mp4/);
  });

  it('derives the type from the extension when the browser has none or an alias', () => {
    expect(preflightUpload({ name: 'talk.MKV', size: 10, type: '' })).toEqual({
      ok: true,
      contentType: 'video/x-matroska',
    });
    expect(preflightUpload({ name: 'voice.m4a', size: 10, type: 'audio/x-m4a' })).toEqual({
      ok: true,
      contentType: 'audio/mp4',
    });
    expect(preflightUpload({ name: 'rec.webm', size: 10, type: 'video/webm;codecs=vp8,opus' })).toEqual({
      ok: true,
      contentType: 'video/webm',
    });
  });

  it('lets a text file renamed .mp4 through: only the server can tell, after the upload', () => {
    expect(preflightUpload({ name: 'fake.mp4', size: 20, type: 'video/mp4' }).ok).toBe(true);
  });

  it('builds the picker filter from the same table', () => {
    const accept = acceptAttribute().split(',');
    expect(accept).toEqual(expect.arrayContaining(['video/mp4', '.mp4', '.webm', 'audio/wav', '.flac']));
  });
});
