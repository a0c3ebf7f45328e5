import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { S3MediaStorage } from '../../../functions/recordings/media-storage';
import { S3_MIN_PART_BYTES, UPLOAD_PART_SIZE } from '../../../functions/shared/protocol/recordings';
import { startS3, type S3StandIn } from '../../../local/standins/s3';

/* The local S3 stand-in across a restart and a cut-off part upload (what a kill -9 of the local cloud leaves). */
jest.setTimeout(60_000);

const BUCKET = 'standin-test';
let root: string;
let running: S3StandIn | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 's3-standin-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function start(events: S3Event[] = []): Promise<{ s3: S3StandIn; storage: S3MediaStorage; client: S3Client }> {
  running = await startS3({
    dir: join(root, 's3'),
    bucket: BUCKET,
    allowedOrigins: ['http://localhost'],
    onEvent: (event) => events.push(event),
  });
  const client = new S3Client({
    endpoint: running.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => undefined);
  return { s3: running, storage: new S3MediaStorage(client, BUCKET), client };
}

async function stop(): Promise<void> {
  await running?.stop();
  running = undefined;
}

it('keeps a presigned part URL working across a restart of the stand-in', async () => {
  const first = await start();
  const uploadId = await first.storage.createMultipart('uploads/u/r/source', 'video/webm');
  const url = await first.storage.presignPart('uploads/u/r/source', uploadId, 1, 10, 3600);
  await stop();

  const second = await start();
  expect(second.s3.endpoint).toBe(first.s3.endpoint);
  const put = await fetch(url, { method: 'PUT', body: new Uint8Array(Buffer.from('0123456789')) });
  expect(put.status).toBe(200);
  expect(await second.storage.listParts('uploads/u/r/source', uploadId)).toEqual([
    { partNumber: 1, etag: put.headers.get('etag'), size: 10 },
  ]);
});

it('keeps no half-written part when a part upload is cut off, and still lists the others', async () => {
  const { storage } = await start();
  const key = 'uploads/u/r2/source';
  const uploadId = await storage.createMultipart(key, 'video/webm');
  const whole = await fetch(await storage.presignPart(key, uploadId, 1, 10, 3600), {
    method: 'PUT',
    body: new Uint8Array(Buffer.from('0123456789')),
  });
  expect(whole.status).toBe(200);

  // Part 2: 1 MB announced, half sent, then the connection dies (the browser tab, or the stand-in, was killed).
  const url = new URL(await storage.presignPart(key, uploadId, 2, 1_000_000, 3600));
  await new Promise<void>((resolve) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': 1_000_000 } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(500_000, 2), () => setTimeout(() => (req.destroy(), resolve()), 300));
  });
  await new Promise((r) => setTimeout(r, 300));
  await stop();

  const after = await start();
  expect((await after.storage.listParts(key, uploadId))?.map((p) => [p.partNumber, p.size])).toEqual([[1, 10]]);
  const uploadDir = join(root, 's3', BUCKET, '._S3rver_uploads', uploadId);
  expect(readdirSync(uploadDir).filter((n) => n.startsWith('2'))).toEqual([]);
});

it('refuses a part for an upload that was completed or aborted (NoSuchUpload), as S3 does', async () => {
  const { storage } = await start();
  const key = 'uploads/u/r3/source';
  const uploadId = await storage.createMultipart(key, 'video/webm');
  const url = await storage.presignPart(key, uploadId, 1, 10, 3600);
  const first = await fetch(url, { method: 'PUT', body: new Uint8Array(Buffer.from('0123456789')) });
  await storage.completeMultipart(key, uploadId, [{ partNumber: 1, etag: first.headers.get('etag')! }]);

  // A page resuming with the URL it kept: the part must not bring the finished upload back half-made.
  const late = await fetch(url, { method: 'PUT', body: new Uint8Array(Buffer.from('9876543210')) });
  expect(late.status).toBe(404);
  expect(await late.text()).toContain('NoSuchUpload');
  expect(await storage.listParts(key, uploadId)).toBeNull();
  expect(await storage.getText(key)).toBe('0123456789');
});

/** Uploads parts of `size` bytes each (filled with the part number); returns their ETags in order. */
/** Uploads parts 1, 2, … of the given sizes, part n filled with the byte n. */
async function putParts(storage: S3MediaStorage, key: string, uploadId: string, sizes: number[]) {
  const etags: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const n = i + 1;
    const put = await fetch(await storage.presignPart(key, uploadId, n, size, 3600), {
      method: 'PUT',
      body: new Uint8Array(Buffer.alloc(size, n)),
    });
    expect(put.status).toBe(200);
    etags.push(put.headers.get('etag')!);
  }
  return etags;
}

it('completes all or nothing: a wrong ETag or a missing part is InvalidPart and the upload stays as it was', async () => {
  const { storage } = await start();
  const key = 'uploads/u/r4/source';
  const uploadId = await storage.createMultipart(key, 'video/webm');
  // S3 takes a part under 5 MiB only as the last one.
  const etags = await putParts(storage, key, uploadId, [S3_MIN_PART_BYTES, 5]);
  await expect(
    storage.completeMultipart(key, uploadId, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"' },
    ]),
  ).rejects.toMatchObject({ name: 'InvalidPart' });
  await expect(
    storage.completeMultipart(key, uploadId, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 3, etag: etags[1]! },
    ]),
  ).rejects.toMatchObject({ name: 'InvalidPart' });
  expect(await storage.size(key)).toBeNull();
  expect((await storage.listParts(key, uploadId))?.map((p) => p.partNumber)).toEqual([1, 2]);

  await storage.completeMultipart(key, uploadId, [
    { partNumber: 1, etag: etags[0]! },
    { partNumber: 2, etag: etags[1]! },
  ]);
  expect(await storage.size(key)).toBe(S3_MIN_PART_BYTES + 5);
  expect((await storage.getText(key))!.slice(S3_MIN_PART_BYTES - 2)).toBe('\x01\x01\x02\x02\x02\x02\x02');
});

it('finishes on the next start a completion that a kill cut off, and sends its ObjectCreated event', async () => {
  const { storage } = await start();
  const key = 'uploads/u/r5/source';
  const uploadId = await storage.createMultipart(key, 'video/webm');
  await putParts(storage, key, uploadId, [4, 4, 4]);
  await stop();
  // What a kill leaves inside a completion: the part list written (the journal), the object half-assembled in its
  // temporary file beside the uploads, the upload still there.
  const uploads = join(root, 's3', BUCKET, '._S3rver_uploads');
  writeFileSync(join(uploads, uploadId, 'complete-parts.json'), JSON.stringify([1, 2, 3]));
  writeFileSync(join(uploads, '.partial-object-abcdef'), 'half');
  const objectDir = join(root, 's3', BUCKET, 'uploads', 'u', 'r5');

  const events: S3Event[] = [];
  const after = await start(events);
  expect(await after.storage.size(key)).toBe(12);
  expect(await after.storage.getText(key)).toBe('\x01'.repeat(4) + '\x02'.repeat(4) + '\x03'.repeat(4));
  expect(await after.storage.listParts(key, uploadId)).toBeNull();
  expect(readdirSync(uploads)).toEqual([]);
  expect(readdirSync(objectDir).filter((n) => n.includes('partial'))).toEqual([]);
  expect(
    events.map((e) => [e.Records[0]!.eventName, e.Records[0]!.s3.object.key, e.Records[0]!.s3.object.size]),
  ).toEqual([['ObjectCreated:CompleteMultipartUpload', 'uploads/u/r5/source', 12]]);
});

it('shows an upload whose folder lost its key (a removal cut off) as gone to ListParts and UploadPart alike', async () => {
  const { storage } = await start();
  const key = 'uploads/u/r6/source';
  const uploadId = await storage.createMultipart(key, 'video/webm');
  await putParts(storage, key, uploadId, [4]);
  const uploadDir = join(root, 's3', BUCKET, '._S3rver_uploads', uploadId);
  rmSync(join(uploadDir, 'key'));

  // Never "parts listed, then every part refused": a page would resume into uploads that all answer 404.
  expect(await storage.listParts(key, uploadId)).toBeNull();
  const put = await fetch(await storage.presignPart(key, uploadId, 2, 4, 3600), {
    method: 'PUT',
    body: new Uint8Array(Buffer.alloc(4)),
  });
  expect(put.status).toBe(404);
  await stop();
  await start();
  expect(existsSync(uploadDir)).toBe(false);
});

it('serves a download under its unicode name', async () => {
  const { storage } = await start();
  await storage.putText('subtitles/r/v1.srt', '1\n00:00:00,000 --> 00:00:01,000\nBonjour\n', 'application/x-subrip');
  const response = await fetch(await storage.presignGet('subtitles/r/v1.srt', 60, 'Réunion 会议.v1.srt'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-disposition')).toBe(
    `attachment; filename="Reunion __.v1.srt"; filename*=UTF-8''R%C3%A9union%20%E4%BC%9A%E8%AE%AE.v1.srt`,
  );
});

it('refuses to complete an upload with a part under 5 MiB that is not the last (EntityTooSmall), as S3 does', async () => {
  const { client } = await start();
  const Key = 'uploads/u/r/small-parts';
  const upload = async (sizes: number[]) => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const Parts = [];
    for (const [i, size] of sizes.entries()) {
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, i) }),
      );
      Parts.push({ PartNumber: i + 1, ETag });
    }
    return client.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts } }),
    );
  };
  await expect(upload([1024, 1024])).rejects.toMatchObject({ name: 'EntityTooSmall' });
  await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).rejects.toMatchObject({
    name: 'NotFound',
  });
  // The house's part size passes; the last part may be as small as it likes.
  await upload([S3_MIN_PART_BYTES, 10]);
  expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).ContentLength).toBe(
    S3_MIN_PART_BYTES + 10,
  );
  expect(UPLOAD_PART_SIZE).toBeGreaterThanOrEqual(S3_MIN_PART_BYTES);
});
