import { S3Client } from '@aws-sdk/client-s3';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { downloadBaseName } from '../../../functions/shared/protocol/recordings';

/* The names a browser saves downloads under: the user's own name, unicode included (RFC 6266 / RFC 5987). */
const storage = new S3MediaStorage(
  new S3Client({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
  }),
  'bucket',
);

async function dispositionOf(name: string): Promise<string | null> {
  const url = new URL(await storage.presignGet('subtitles/x/v1.srt', 60, name));
  return url.searchParams.get('response-content-disposition');
}

describe('download names', () => {
  it('keeps unicode in filename* and gives old browsers an ASCII fallback', async () => {
    expect(await dispositionOf('Réunion 会议.v1.srt')).toBe(
      `attachment; filename="Reunion __.v1.srt"; filename*=UTF-8''R%C3%A9union%20%E4%BC%9A%E8%AE%AE.v1.srt`,
    );
  });

  it('escapes what would end the quoted fallback or the encoded name', async () => {
    expect(await dispositionOf(`Bob's "plan" (final)\\x.srt`)).toBe(
      `attachment; filename="Bob's _plan_ (final)_x.srt"; filename*=UTF-8''Bob%27s%20%22plan%22%20%28final%29%5Cx.srt`,
    );
  });

  it('takes the base name from the uploaded file, unicode kept, path and reserved characters replaced', () => {
    expect(downloadBaseName('Réunion 会议.webm')).toBe('Réunion 会议');
    expect(downloadBaseName('a/b:c*?.mp4')).toBe('a_b_c_');
    expect(downloadBaseName('.mp4')).toBe('recording');
  });
});
