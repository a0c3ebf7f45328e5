import type { PresignPartsResponse, RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import { PartTransferError, type PutPart } from '../../../../frontend/src/recordings/upload/part-transfer';
import {
  UploadInterruptedError,
  retryDelayMs,
  uploadMultipart,
  type UploadApi,
} from '../../../../frontend/src/recordings/upload/multipart-upload';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** An in-memory stand-in for the API + S3: parts land in `stored`, urls name their part number. */
function fakeCloud(partSize: number, partCount: number) {
  const stored = new Map<number, { bytes: Uint8Array; etag: string }>();
  const calls: { parts: number[][]; puts: number[]; completed: { partNumber: number; etag: string }[] | null } = {
    parts: [],
    puts: [],
    completed: null,
  };
  const api: UploadApi = {
    async parts(_id, partNumbers): Promise<PresignPartsResponse> {
      calls.parts.push(partNumbers);
      return {
        partSize,
        partCount,
        parts: partNumbers.map((n) => ({ partNumber: n, url: `https://s3.test/part/${n}` })),
        uploaded: [...stored.entries()].map(([partNumber, p]) => ({ partNumber, etag: p.etag, size: p.bytes.length })),
        expiresAt: new Date(0).toISOString(),
      };
    },
    async complete(_id, parts) {
      calls.completed = parts;
      return { id: ID, status: 'transcoding' } as RecordingSummary;
    },
  };
  const store: PutPart = async (url, body, onProgress) => {
    const n = Number(/\/(\d+)$/.exec(url)![1]);
    calls.puts.push(n);
    const bytes = new Uint8Array(await body.arrayBuffer());
    onProgress(bytes.length / 2);
    const etag = `"etag-${n}-${bytes.length}"`;
    stored.set(n, { bytes, etag });
    onProgress(bytes.length);
    return etag;
  };
  const assembled = () =>
    Buffer.concat([...stored.entries()].sort(([a], [b]) => a - b).map(([, p]) => Buffer.from(p.bytes)));
  return { api, store, stored, calls, assembled };
}

const file = new Blob([Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251))]);
const noSleep = async () => undefined;

describe('uploadMultipart', () => {
  it('sends every part once, reports progress to 100 % and completes with the ETags in order', async () => {
    const cloud = fakeCloud(300, 4);
    const fractions: number[] = [];
    const result = await uploadMultipart({
      api: cloud.api,
      putPart: cloud.store,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      initialUrls: [1, 2, 3, 4].map((n) => ({ partNumber: n, url: `https://s3.test/part/${n}` })),
      onProgress: (p) => fractions.push(p.fraction),
      sleep: noSleep,
    });
    expect(result.status).toBe('transcoding');
    expect([...cloud.calls.puts].sort()).toEqual([1, 2, 3, 4]);
    expect(cloud.calls.parts).toEqual([]); // the create response's URLs were enough
    expect(cloud.calls.completed!.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
    expect(cloud.calls.completed![3]!.etag).toBe('"etag-4-100"');
    expect(cloud.assembled().equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
    expect(fractions.at(-1)).toBe(1);
  });

  it('presigns the parts the create response did not cover', async () => {
    const cloud = fakeCloud(300, 4);
    await uploadMultipart({
      api: cloud.api,
      putPart: cloud.store,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      initialUrls: [{ partNumber: 1, url: 'https://s3.test/part/1' }],
      sleep: noSleep,
    });
    expect(cloud.calls.parts).toEqual([[2, 3, 4]]);
  });

  it('after a network drop asks which parts arrived and sends only the missing ones', async () => {
    const cloud = fakeCloud(300, 4);
    let dropped = false;
    const flaky: PutPart = async (url, body, onProgress, signal) => {
      if (url.endsWith('/3') && !dropped) {
        dropped = true;
        onProgress(120);
        throw new PartTransferError('network', 'The network connection was lost.');
      }
      return cloud.store(url, body, onProgress, signal);
    };
    const retries: number[] = [];
    await uploadMultipart({
      api: cloud.api,
      putPart: flaky,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      concurrency: 1,
      onRetry: (n) => retries.push(n.delayMs),
      sleep: noSleep,
    });
    expect(retries).toEqual([1000]);
    // Parts 1 and 2 went through before the drop and are never sent again.
    expect(cloud.calls.puts).toEqual([1, 2, 3, 4]);
    expect(cloud.calls.parts.at(-1)).toEqual([3, 4]);
    expect(cloud.assembled().equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
  });

  it('resumes an upload started earlier (another page load) from what the server lists', async () => {
    const cloud = fakeCloud(300, 4);
    await cloud.store('https://s3.test/part/1', file.slice(0, 300), () => undefined);
    await cloud.store('https://s3.test/part/2', file.slice(300, 450), () => undefined); // cut short: send again
    cloud.calls.puts.length = 0;
    await uploadMultipart({
      api: cloud.api,
      putPart: cloud.store,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      resume: true,
      concurrency: 1,
      sleep: noSleep,
    });
    expect(cloud.calls.puts).toEqual([2, 3, 4]);
    expect(cloud.assembled().equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
  });

  it('presigns again when a link has expired', async () => {
    const cloud = fakeCloud(300, 4);
    let expired = true;
    const put: PutPart = async (url, body, onProgress, signal) => {
      if (expired && url.endsWith('/1')) {
        expired = false;
        throw new PartTransferError('expired', 'The upload link expired.', 403);
      }
      return cloud.store(url, body, onProgress, signal);
    };
    await uploadMultipart({
      api: cloud.api,
      putPart: put,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      initialUrls: [1, 2, 3, 4].map((n) => ({ partNumber: n, url: `https://s3.test/part/${n}` })),
      concurrency: 1,
      sleep: noSleep,
    });
    expect(cloud.calls.parts.length).toBeGreaterThan(0);
    expect(cloud.calls.completed).toHaveLength(4);
  });

  it('gives up after repeated drops with an error that says it can be resumed', async () => {
    const cloud = fakeCloud(300, 4);
    const down: PutPart = async () => {
      throw new PartTransferError('network', 'The network connection was lost.');
    };
    const error = await uploadMultipart({
      api: cloud.api,
      putPart: down,
      recordingId: ID,
      file,
      partSize: 300,
      partCount: 4,
      maxRetries: 2,
      sleep: noSleep,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadInterruptedError);
    expect((error as UploadInterruptedError).recordingId).toBe(ID);
    expect((error as Error).message).toMatch(/connection was lost.*resume/);
    expect(cloud.calls.completed).toBeNull();
  });

  it('stops at once on a refusal that retrying cannot fix', async () => {
    const cloud = fakeCloud(300, 4);
    const refuse: PutPart = async () => {
      throw new PartTransferError('rejected', 'The storage refused the part (HTTP 400).', 400);
    };
    let retried = false;
    await expect(
      uploadMultipart({
        api: cloud.api,
        putPart: refuse,
        recordingId: ID,
        file,
        partSize: 300,
        partCount: 4,
        onRetry: () => (retried = true),
        sleep: noSleep,
      }),
    ).rejects.toThrow(/HTTP 400/);
    expect(retried).toBe(false);
  });

  it('refuses a file that does not match the server plan (a different file picked to resume)', async () => {
    const cloud = fakeCloud(300, 2);
    await expect(
      uploadMultipart({ api: cloud.api, putPart: cloud.store, recordingId: ID, file, partSize: 300, partCount: 2 }),
    ).rejects.toThrow(/pick the same file/);
  });

  it('backs off exponentially up to 15 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});
