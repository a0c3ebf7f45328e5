/**
 * The crash journal (IndexedDB, here fake-indexeddb: Node has none) and the recovery that finishes an interrupted
 * meeting recording from it, against an in-memory model of the recordings API's multipart upload.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { PresignPartsResponse, RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import {
  discardRecording,
  recoverRecording,
  type RecoveryDeps,
} from '../../../../frontend/src/recordings/capture/crash-recovery';
import { PartTransferError, type PutPart } from '../../../../frontend/src/recordings/upload/part-transfer';
import {
  openRecordingJournal,
  type JournalEntry,
  type RecordingJournal,
} from '../../../../frontend/src/recordings/capture/recording-journal';

const P = 8; // part size in these tests (the API's is 16 MiB)
const ID = '5f0c8a43-6a7e-4c1b-9d0e-1f2a3b4c5d6e';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the API and S3 do with a multipart upload, kept in memory: parts by number, the signed size of each URL. */
class FakeUploadApi {
  readonly stored = new Map<number, string>();
  state: 'uploading' | 'completed' | 'aborted' | 'missing' = 'uploading';
  completedWith: { partNumber: number; etag: string }[] | null = null;
  readonly signed = new Map<string, number | null>();
  failNextPut = 0;

  parts = jest.fn(
    async (
      id: string,
      partNumbers: number[],
      finalPart?: { partNumber: number; sizeBytes: number },
    ): Promise<PresignPartsResponse> => {
      if (this.state === 'missing') throw new HttpError(404, 'No such recording');
      if (this.state !== 'uploading') throw new HttpError(409, `This recording is ${this.state}`);
      const urls = partNumbers.map((n) => ({ partNumber: n, url: `https://s3.test/${id}?partNumber=${n}` }));
      for (const u of urls) this.signed.set(u.url, P);
      if (finalPart) {
        const url = `https://s3.test/${id}?partNumber=${finalPart.partNumber}&final`;
        this.signed.set(url, finalPart.sizeBytes);
        urls.push({ partNumber: finalPart.partNumber, url });
      }
      return {
        partSize: P,
        partCount: 128,
        parts: urls,
        uploaded: [...this.stored].map(([partNumber, body]) => ({
          partNumber,
          size: body.length,
          etag: `"${partNumber}:${body}"`,
        })),
        expiresAt: new Date().toISOString(),
      };
    },
  );

  putPart: PutPart = async (url, body) => {
    if (this.failNextPut > 0) {
      this.failNextPut--;
      throw new PartTransferError('network', 'The network connection was lost.');
    }
    // Real S3 refuses a body whose length differs from the signed Content-Length.
    if (this.signed.get(url) !== body.size) throw new PartTransferError('rejected', 'size mismatch', 403);
    if (this.state !== 'uploading') throw new PartTransferError('rejected', 'NoSuchUpload', 404);
    const n = Number(new URL(url).searchParams.get('partNumber'));
    const text = await body.text();
    this.stored.set(n, text);
    return `"${n}:${text}"`;
  };

  complete = jest.fn(async (id: string, parts: { partNumber: number; etag: string }[], partCount?: number) => {
    if (this.state !== 'uploading') throw new HttpError(409, 'The upload no longer exists; start a new one');
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: partCount! }, (_, i) => i + 1));
    for (const p of parts) expect(p.etag).toBe(`"${p.partNumber}:${this.stored.get(p.partNumber)}"`);
    this.completedWith = parts;
    this.state = 'completed';
    return { id, status: 'transcoding' } as RecordingSummary;
  });

  abort = jest.fn(async () => {
    if (this.state === 'missing') throw new HttpError(404, 'No such recording');
    this.state = 'aborted';
  });

  /** The completed object's bytes, as S3 would assemble them. */
  object(): string {
    return this.completedWith!.map((p) => this.stored.get(p.partNumber)).join('');
  }
}

let journal: RecordingJournal;
let api: FakeUploadApi;
const noLock: RecoveryDeps['withLock'] = (_entry, work) => work();

function deps(extra: Partial<RecoveryDeps> = {}): RecoveryDeps {
  return { journal, api, putPart: api.putPart, withLock: noLock, sleep: async () => undefined, ...extra };
}

/** Records `texts` as chunks the way the meeting recorder does (each chunk's start is the bytes before it). */
async function record(...texts: string[]): Promise<JournalEntry> {
  await journal.begin({
    recordingId: ID,
    ownerId: 'user-1',
    mimeType: 'video/webm',
    partBytes: P,
    title: null,
    roomId: 'k3xd-9vqe-7rbn-m2ta',
    startedAt: 1000,
  });
  let start = 0;
  for (const [seq, text] of texts.entries()) {
    await journal.append(ID, seq, start, new Blob([text]), 2000 + seq);
    start += text.length;
  }
  return (await journal.get(ID))!;
}

beforeEach(async () => {
  journal = await openRecordingJournal(new IDBFactory());
  api = new FakeUploadApi();
});

describe('the crash journal', () => {
  it('keeps chunks in recording order with their offsets, and forgets those wholly inside acknowledged parts', async () => {
    await record('abcde', 'fghij', 'klm');
    expect((await journal.chunks(ID)).map((c) => [c.seq, c.start, c.blob.size])).toEqual([
      [0, 0, 5],
      [1, 5, 5],
      [2, 10, 3],
    ]);
    // Part 1 holds bytes 0..7: the first chunk is in S3, the second straddles the boundary and stays.
    await journal.acknowledge(ID, 1, P);
    expect((await journal.chunks(ID)).map((c) => c.seq)).toEqual([1, 2]);
    expect(await journal.get(ID)).toMatchObject({ ackedParts: 1, ackedBytes: P, updatedAt: 2002 });
    await journal.remove(ID);
    expect(await journal.list()).toEqual([]);
    expect(await journal.chunks(ID)).toEqual([]);
  });
});

describe('recoverRecording', () => {
  it('uploads what S3 never got as the final part and completes: the object is every recorded byte', async () => {
    const entry = await record('abc', 'def', 'gh');
    const outcome = await recoverRecording(deps(), entry);
    expect(outcome).toMatchObject({ kind: 'recovered', droppedBytes: 0, recording: { status: 'transcoding' } });
    expect(api.object()).toBe('abcdefgh');
    expect(await journal.list()).toEqual([]);
  });

  it('continues after the parts S3 acknowledged before the crash, from inside a straddling chunk', async () => {
    const entry0 = await record('abcde', 'fghij', 'klmno', 'pq');
    // The live upload sent part 1 (bytes 0..7) and the journal dropped the chunk wholly inside it.
    api.stored.set(1, 'abcdefgh');
    await journal.acknowledge(ID, 1, P);
    const progress: number[] = [];
    const outcome = await recoverRecording(
      deps({ onProgress: (p) => progress.push(p.sentBytes) }),
      (await journal.get(ID)) ?? entry0,
    );
    expect(outcome.kind).toBe('recovered');
    expect(api.completedWith!.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(api.object()).toBe('abcdefghijklmnopq');
    // Part 2 whole (8 bytes), then the final part (1 byte).
    expect(progress).toEqual([0, 8, 9]);
  });

  it('retries a part after a network drop', async () => {
    const entry = await record('abc');
    api.failNextPut = 2;
    await expect(recoverRecording(deps(), entry)).resolves.toMatchObject({ kind: 'recovered' });
    expect(api.object()).toBe('abc');
  });

  it('resumes a recovery that was itself interrupted, without sending a part twice', async () => {
    const entry = await record('abcdefgh', 'ijklmnop', 'q');
    // The first attempt stored part 1 and then lost the network for good.
    const firstPut = api.putPart;
    let puts = 0;
    const flaky: PutPart = async (...args) => {
      if (++puts > 1) throw new PartTransferError('rejected', 'The storage refused the part (HTTP 400).', 400);
      return firstPut(...args);
    };
    await expect(recoverRecording(deps({ putPart: flaky }), entry)).rejects.toThrow(/HTTP 400/);
    expect([...api.stored.keys()]).toEqual([1]);
    const sent: string[] = [];
    const counting: PutPart = async (url, body, ...rest) => {
      sent.push(new URL(url).searchParams.get('partNumber')!);
      return firstPut(url, body, ...rest);
    };
    await expect(recoverRecording(deps({ putPart: counting }), (await journal.get(ID))!)).resolves.toMatchObject({
      kind: 'recovered',
    });
    expect(sent).toEqual(['2', '3']);
    expect(api.object()).toBe('abcdefghijklmnopq');
  });

  it('completes without sending anything when the crash came after the final part reached S3', async () => {
    await record('abcdefgh', 'ij');
    api.stored.set(1, 'abcdefgh');
    api.stored.set(2, 'ij');
    await journal.acknowledge(ID, 2, 10);
    const put = jest.fn(api.putPart);
    const outcome = await recoverRecording(deps({ putPart: put }), (await journal.get(ID))!);
    expect(outcome.kind).toBe('recovered');
    expect(put).not.toHaveBeenCalled();
    expect(api.object()).toBe('abcdefghij');
  });

  it('cancels an upload that never got a byte', async () => {
    const entry = await record();
    await expect(recoverRecording(deps(), entry)).resolves.toEqual({ kind: 'empty' });
    expect(api.abort).toHaveBeenCalledTimes(1);
    expect(await journal.list()).toEqual([]);
  });

  it('forgets a recording the server no longer has as an upload (completed, discarded, or expired)', async () => {
    const entry = await record('abc');
    api.state = 'completed';
    await expect(recoverRecording(deps(), entry)).resolves.toMatchObject({ kind: 'gone' });
    expect(await journal.list()).toEqual([]);
  });

  it('says so when S3 aborted the unfinished upload (lifecycle rule) before the recovery', async () => {
    const entry = await record('abc');
    // The row still says uploading, but S3 refuses the part: NoSuchUpload.
    api.putPart = async () => {
      throw new PartTransferError('rejected', 'The storage refused the part (HTTP 404).', 404);
    };
    await expect(recoverRecording(deps({ putPart: api.putPart }), entry)).resolves.toEqual({
      kind: 'gone',
      reason: 'The unfinished upload expired before it could be recovered.',
    });
  });

  it('leaves alone a recording another tab holds the lock of (still recording there)', async () => {
    const entry = await record('abc');
    const taken: RecoveryDeps['withLock'] = async () => null;
    await expect(recoverRecording(deps({ withLock: taken }), entry)).resolves.toEqual({ kind: 'busy' });
    expect(api.parts).not.toHaveBeenCalled();
    expect((await journal.chunks(ID)).length).toBe(1);
  });

  it('discards: the server aborts the upload and the journal forgets it', async () => {
    const entry = await record('abc');
    await expect(discardRecording(deps(), entry)).resolves.toBe('discarded');
    expect(api.state).toBe('aborted');
    expect(await journal.list()).toEqual([]);
  });

  it('does not claim to discard a recording whose upload was completed meanwhile', async () => {
    const entry = await record('abc');
    await recoverRecording(deps(), entry);
    await journal.begin({ ...entry }); // e.g. a click on Discard that raced the recovery
    api.abort.mockImplementationOnce(async () => {
      throw new HttpError(409, 'This recording is transcoding; only an unfinished upload can be cancelled');
    });
    await expect(discardRecording(deps(), entry)).resolves.toBe('already-saved');
    expect(api.state).toBe('completed');
    expect(await journal.list()).toEqual([]);
  });
});
