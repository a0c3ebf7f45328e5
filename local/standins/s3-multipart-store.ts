import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import { S3_MIN_PART_BYTES } from '../../functions/shared/protocol/recordings';

/*
 * S3's multipart operations are atomic: a part is stored whole or not at all, and CompleteMultipartUpload either
 * creates the whole object (and ends the upload) or changes nothing. s3rver writes parts and the assembled object
 * straight to their final names and removes the upload folder file by file, so a process killed in between leaves
 * states S3 never shows: a half part that ListParts reports, a truncated object, an upload folder without its key
 * (ListParts lists parts that UploadPart then refuses). These replace s3rver's two store methods and recover what a
 * kill left on the next start, so the stand-in is as strict as S3 across a `kill -9` of the local cloud.
 */

// s3rver's own error type: thrown from a store method, it becomes the S3 error response (code, status, XML).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;

/** Where s3rver keeps unfinished multipart uploads, one folder per upload id, inside the bucket's folder. */
export const UPLOADS_DIR = '._S3rver_uploads';
/** s3rver writes the object key into the upload's folder when the upload is created, and reads it to complete. */
export const UPLOAD_KEY_FILE = 'key';
const PARTIAL = '.partial-';
/** A completion in progress: the part list, written into the upload folder, so the next start can finish it. */
const PART_LIST_FILE = 'complete-parts.json';
/** An upload folder on its way out, renamed so that the upload ends for every caller at once. */
const ABORTED = '.aborted-';
const COMPLETED = '.completed-';

export interface PartWritten {
  size: number;
  md5: string;
}
export interface CompletedPart {
  number: number;
  etag: string;
}
/** The part of s3rver's FilesystemStore these functions use. */
export interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
}

const noSuchUpload = () =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );

/** An upload exists while its folder holds its key file (s3rver writes it at creation; we never remove it alone). */
export function uploadExists(uploadDir: string): boolean {
  return existsSync(join(uploadDir, UPLOAD_KEY_FILE));
}

/**
 * A part lands under its name only whole: streamed to a temporary file, the old checksum removed, the part
 * renamed into place, then its checksum written (and renamed). At every instant `N` with `N.md5` is a whole part
 * and its checksum; ListParts shows nothing else, and start-up clears what a crash left half-done.
 */
export async function putPartAtomically(
  uploadDir: string,
  partNumber: string,
  content: IncomingMessage,
): Promise<PartWritten> {
  if (!/^\d+$/.test(partNumber)) throw new Error(`bad part number ${partNumber}`);
  // s3rver would create the folder of an upload that was completed or aborted and take the part: a page resuming
  // with a URL it kept would then "complete" an upload without its key file (a 500). S3 answers NoSuchUpload.
  if (!uploadExists(uploadDir)) {
    content.resume();
    throw noSuchUpload();
  }
  const part = join(uploadDir, partNumber);
  const tmp = join(uploadDir, `${PARTIAL}${partNumber}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('md5');
  let size = 0;
  try {
    content.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    content.on('aborted', () => content.destroy(new Error('the part upload was cut off')));
    await pipeline(content, createWriteStream(tmp));
    const declared = Number(content.headers?.['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared !== size) {
      throw new Error(`the part upload was cut off after ${size} of ${declared} bytes`);
    }
    const md5 = hash.digest('hex');
    await rm(`${part}.md5`, { force: true });
    await rename(tmp, part);
    await writeFile(`${tmp}.md5`, md5);
    await rename(`${tmp}.md5`, `${part}.md5`);
    return { size, md5 };
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * CompleteMultipartUpload, all or nothing. Checked first as S3 checks (each named part stored, its ETag the one
 * given: InvalidPart). Then the part list is written into the upload folder (the journal: from here the next start
 * finishes the completion if this process dies), the object is assembled in a temporary file and renamed into
 * place whole (the commit: the object appears at once), and only then does the upload go (one rename). There is no
 * instant at which the upload is gone and the object not there, which a page resuming after a crash would see as
 * lost bytes.
 */
export async function completeAtomically(
  store: S3rverFilesystemStore,
  uploadsDir: string,
  bucket: string,
  uploadId: string,
  parts: CompletedPart[],
): Promise<PartWritten> {
  if (!/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload();
  const uploadDir = join(uploadsDir, uploadId);
  if (!uploadExists(uploadDir)) throw noSuchUpload();
  const ordered = [...parts].sort((a, b) => a.number - b.number);
  if (ordered.some((p, i) => i > 0 && p.number === ordered[i - 1]!.number)) {
    throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
  }
  for (const part of ordered) {
    const md5 = await readFile(join(uploadDir, `${part.number}.md5`), 'utf8').catch(() => null);
    if (md5 === null || md5.trim() !== part.etag.replace(/"/g, '')) {
      throw new S3Error(
        'InvalidPart',
        `One or more of the specified parts could not be found (part ${part.number}), or its entity tag did not match.`,
      );
    }
  }
  // As S3: every part but the last at least 5 MiB, checked at completion (a small part is taken when uploaded).
  for (const part of ordered.slice(0, -1)) {
    const { size } = await stat(join(uploadDir, String(part.number)));
    if (size < S3_MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
  }
  await writeFile(join(uploadDir, PART_LIST_FILE), JSON.stringify(ordered.map((p) => p.number)));
  return (await finishCompletion(store, bucket, uploadDir)).written;
}

/** What the next start finished: the object a completion cut off by a kill created after all. */
export interface RecoveredCompletion {
  bucket: string;
  key: string;
  written: PartWritten;
}

/** Assembles the journal's parts into the object (temporary file, then rename), then ends the upload. */
async function finishCompletion(
  store: S3rverFilesystemStore,
  bucket: string,
  uploadDir: string,
): Promise<RecoveredCompletion> {
  const [key, metadata, numbers] = await Promise.all([
    readFile(join(uploadDir, UPLOAD_KEY_FILE), 'utf8'),
    readFile(join(uploadDir, 'metadata'), 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => ({})),
    readFile(join(uploadDir, PART_LIST_FILE), 'utf8').then((text) => JSON.parse(text) as number[]),
  ]);
  const objectPath = store.getResourcePath(bucket, key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  // Assembled beside the uploads (same bucket folder, so the rename is atomic), never beside the objects: a
  // half-assembled file left by a kill is then one of the uploads folder's leftovers, cleared at start without
  // walking every object.
  const tmp = join(dirname(uploadDir), `${PARTIAL}object-${randomBytes(6).toString('hex')}`);
  const hash = createHash('md5');
  let size = 0;
  try {
    const out = createWriteStream(tmp);
    for (const n of numbers) {
      await pipeline(
        createReadStream(join(uploadDir, String(n))),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        out,
        { end: false },
      );
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const md5 = hash.digest('hex');
    // Metadata first: an object file without it would be served without its content type.
    await store.putMetadata(bucket, key, metadata, md5);
    await rename(tmp, objectPath);
    await removeUpload(uploadDir, COMPLETED);
    return { bucket, key, written: { size, md5 } };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** AbortMultipartUpload: one rename ends the upload for every caller; the files go after (or at the next start). */
export function abortAtomically(uploadDir: string): Promise<void> {
  return removeUpload(uploadDir, ABORTED);
}

async function removeUpload(uploadDir: string, prefix: string): Promise<void> {
  const gone = join(dirname(uploadDir), `${prefix}${randomBytes(8).toString('hex')}`);
  // A concurrent completion or abort of the same upload may have taken it already (ENOENT).
  const moved = await rename(uploadDir, gone).then(
    () => true,
    () => false,
  );
  if (moved) await rm(gone, { recursive: true, force: true });
}

/**
 * Start-up, before the stand-in serves: finishes every completion a kill interrupted (its object appears whole;
 * the caller sends the ObjectCreated event S3 would have sent), removes upload folders on their way out, folders
 * whose creation was cut off before the key was written (CreateMultipartUpload never answered, so no one holds
 * that id), temporary part files, parts whose checksum never landed, and objects whose assembly was cut off (their temporary
 * files sit in the uploads folder, and go with its other leftovers).
 */
export async function recoverUploads(store: S3rverFilesystemStore, dir: string): Promise<RecoveredCompletion[]> {
  const recovered: RecoveredCompletion[] = [];
  const buckets = await readdir(dir).catch(() => [] as string[]);
  for (const bucket of buckets) {
    const uploads = join(dir, bucket, UPLOADS_DIR);
    for (const upload of await readdir(uploads).catch(() => [] as string[])) {
      const folder = join(uploads, upload);
      const names = await readdir(folder).catch(() => [] as string[]);
      const leftover = [ABORTED, COMPLETED, PARTIAL].some((prefix) => upload.startsWith(prefix));
      if (leftover || !names.includes(UPLOAD_KEY_FILE)) {
        await rm(folder, { recursive: true, force: true });
        continue;
      }
      for (const name of names) {
        const orphanPart = /^\d+$/.test(name) && !names.includes(`${name}.md5`);
        if (name.startsWith(PARTIAL) || orphanPart) await rm(join(folder, name), { force: true });
      }
      if (names.includes(PART_LIST_FILE)) recovered.push(await finishCompletion(store, bucket, folder));
    }
  }
  return recovered;
}
