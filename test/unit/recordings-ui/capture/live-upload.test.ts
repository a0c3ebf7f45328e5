import type { PresignPartsResponse, RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import { LiveUpload, type LiveUploadApi } from '../../../../frontend/src/recordings/capture/live-upload';
import { PartTransferError, type PutPart } from '../../../../frontend/src/recordings/upload/part-transfer';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** The API + S3 as the live upload sees them; each URL records the length it was presigned for. */
function fakeCloud() {
  const stored = new Map<number, Buffer>();
  const log = {
    presigned: [] as { partNumber: number; sizeBytes: number | null }[],
    completed: null as null | { parts: { partNumber: number; etag: string }[]; partCount?: number },
    aborted: false,
  };
  const api: LiveUploadApi = {
    async parts(_id, partNumbers, finalPart): Promise<PresignPartsResponse> {
      const parts = partNumbers.map((n) => {
        log.presigned.push({ partNumber: n, sizeBytes: null });
        return { partNumber: n, url: `https://s3.test/${n}?len=whole` };
      });
      if (finalPart) {
        log.presigned.push(finalPart);
        parts.push({
          partNumber: finalPart.partNumber,
          url: `https://s3.test/${finalPart.partNumber}?len=${finalPart.sizeBytes}`,
        });
      }
      return { partSize: 10, partCount: 128, parts, uploaded: [], expiresAt: '' };
    },
    async complete(_id, parts, partCount) {
      log.completed = { parts, partCount };
      return { id: ID, status: 'transcoding' } as RecordingSummary;
    },
    async abort() {
      log.aborted = true;
    },
  };
  /** Like S3 with a signed Content-Length: a part of another length than signed is refused. */
  const put: PutPart = async (url, body) => {
    const m = /\/(\d+)\?len=(\w+)$/.exec(url)!;
    const n = Number(m[1]);
    const bytes = Buffer.from(await body.arrayBuffer());
    const signed = m[2] === 'whole' ? 10 : Number(m[2]);
    if (bytes.length !== signed) throw new PartTransferError('rejected', `length ${bytes.length} != ${signed}`, 403);
    stored.set(n, bytes);
    return `"${n}"`;
  };
  return { api, put, stored, log };
}

const bytes = (from: number, n: number) =>
  new Blob([Buffer.from(Array.from({ length: n }, (_, i) => (from + i) % 256))]);

describe('LiveUpload', () => {
  it('uploads each whole part while recording goes on and completes after the short last part', async () => {
    const cloud = fakeCloud();
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: cloud.put,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
    });
    let offset = 0;
    for (const size of [4, 4, 4, 9, 2]) {
      upload.push(bytes(offset, size));
      offset += size;
    }
    // 23 bytes recorded: two whole parts are on their way before the recording stops.
    expect(upload.unsentBytes).toBe(3);
    const result = await upload.finish();
    expect(result.status).toBe('transcoding');
    expect([...cloud.stored.keys()]).toEqual([1, 2, 3]);
    expect(cloud.log.presigned.at(-1)).toEqual({ partNumber: 3, sizeBytes: 3 });
    expect(cloud.log.completed).toEqual({
      parts: [
        { partNumber: 1, etag: '"1"' },
        { partNumber: 2, etag: '"2"' },
        { partNumber: 3, etag: '"3"' },
      ],
      partCount: 3,
    });
    const all = Buffer.concat([1, 2, 3].map((n) => cloud.stored.get(n)!));
    expect([...all]).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(upload.uploadedBytes).toBe(23);
  });

  it('uses the URLs of the create response for whole parts', async () => {
    const cloud = fakeCloud();
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: cloud.put,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
      initialUrls: [{ partNumber: 1, url: 'https://s3.test/1?len=whole' }],
    });
    upload.push(bytes(0, 10));
    await upload.finish();
    expect(cloud.log.presigned).toEqual([]);
    expect(cloud.log.completed!.partCount).toBe(1);
  });

  it('retries a part after a network drop without losing or doubling bytes', async () => {
    const cloud = fakeCloud();
    let drops = 2;
    const flaky: PutPart = async (url, body, p) => {
      if (url.includes('/2?') && drops-- > 0)
        throw new PartTransferError('network', 'The network connection was lost.');
      return cloud.put(url, body, p);
    };
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: flaky,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
      sleep: async () => undefined,
    });
    upload.push(bytes(0, 25));
    await upload.finish();
    expect([...Buffer.concat([1, 2, 3].map((n) => cloud.stored.get(n)!))]).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it('reports a part that cannot be uploaded and does not complete', async () => {
    const cloud = fakeCloud();
    const refuse: PutPart = async () => {
      throw new PartTransferError('rejected', 'The storage refused the part (HTTP 400).', 400);
    };
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: refuse,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
    });
    upload.push(bytes(0, 12));
    await expect(upload.finish()).rejects.toThrow(/Part 1 of the recording could not be uploaded.*HTTP 400/);
    expect(cloud.log.completed).toBeNull();
  });

  it('aborts the upload when nothing was recorded', async () => {
    const cloud = fakeCloud();
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: cloud.put,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
    });
    await expect(upload.finish()).rejects.toThrow(/Nothing was recorded/);
    expect(cloud.log.aborted).toBe(true);
  });

  it('keeps what fits when the part limit is reached and asks the owner to stop', async () => {
    const cloud = fakeCloud();
    let full = false;
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: cloud.put,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
      maxParts: 2,
      onFull: () => (full = true),
    });
    upload.push(bytes(0, 20));
    upload.push(bytes(20, 15));
    expect(full).toBe(true);
    await upload.finish();
    expect(cloud.log.completed!.partCount).toBe(2);
  });
  it('tells the crash journal, part by part and in order, how many bytes S3 holds', async () => {
    const cloud = fakeCloud();
    const stored: [number, number][] = [];
    const upload = new LiveUpload({
      api: cloud.api,
      putPart: cloud.put,
      recordingId: ID,
      mimeType: 'video/webm',
      partBytes: 10,
      onPartStored: (partNumber, bytesStored) => stored.push([partNumber, bytesStored]),
    });
    upload.push(bytes(0, 7));
    upload.push(bytes(7, 9)); // straddles the end of part 1
    upload.push(bytes(16, 8));
    await upload.finish();
    expect(stored).toEqual([
      [1, 10],
      [2, 20],
      [3, 24],
    ]);
  });
});
