import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { pipeline } from 'node:stream/promises';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { guardServer } from '../listener-guard';
import { closeServer, listenLoopback } from './listen';

// s3rver ships no types: a Koa app with a request callback, bucket provisioning and an 'event' emitter.
interface S3rverApp {
  callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  configureBuckets(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
  store: S3rverStore;
}
interface S3rverStore {
  putPart(bucket: string, uploadId: string, partNumber: string, content: IncomingMessage): Promise<PartWritten>;
}
interface PartWritten {
  size: number;
  md5: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverApp;
// s3rver's own error type: thrown from a store method, it becomes the S3 error response (code, status, XML).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;

export interface S3StandIn {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Browsers upload straight to the bucket with presigned URLs, so the page's origin needs CORS; ETag must be
 * exposed or multipart uploads cannot collect part ETags (the same rules the CDK bucket gets).
 */
export function corsXml(allowedOrigins: string[]): string {
  const origins = allowedOrigins.map((origin) => `<AllowedOrigin>${escapeXml(origin)}</AllowedOrigin>`).join('');
  return `<CORSConfiguration><CORSRule>${origins}<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

/**
 * S3 on s3rver with its object directory in the data folder. Notifications are rewritten to what real S3 sends:
 * keys URL-encoded (s3rver sends them raw), multipart completion as ObjectCreated:CompleteMultipartUpload
 * (s3rver says Post) and a well-formed bucket ARN.
 */
export async function startS3(options: {
  dir: string;
  bucket: string;
  /** More buckets, without CORS (nothing uploads to them from a page): the avatars bucket. */
  extraBuckets?: string[];
  allowedOrigins: string[];
  onEvent: (event: S3Event) => void;
  /** Listen here; by default the port this data folder used last time (else a free one, then remembered). */
  port?: number;
}): Promise<S3StandIn> {
  mkdirSync(options.dir, { recursive: true });
  await removeUnfinishedParts(options.dir);
  const s3rver = new S3rver({
    directory: options.dir,
    silent: true,
    // Path-style only: the SDK clients set forcePathStyle locally, and vhost parsing would misread 127.0.0.1.
    vhostBuckets: false,
    allowMismatchedSignatures: true,
    configureBuckets: [
      { name: options.bucket, configs: [corsXml(options.allowedOrigins)] },
      ...(options.extraBuckets ?? []).map((name) => ({ name, configs: [] })),
    ],
  });
  await s3rver.configureBuckets();
  // s3rver writes a part straight to its final name: a connection (or process) that dies mid-part leaves a
  // half-written part that ListParts reports and completion would assemble. Write beside it, rename when whole.
  s3rver.store.putPart = (bucket, uploadId, partNumber, content) =>
    putPartAtomically(join(options.dir, bucket, UPLOADS_DIR, uploadId), partNumber, content);

  // s3rver emits the event while the request that caused it is still being handled; remembering which
  // objects are being completed by a multipart POST (?uploadId=) lets us name the event as S3 does.
  const completing = new Set<string>();
  s3rver.on('event', (event) => {
    for (const record of event.Records) {
      const id = `${record.s3.bucket.name}/${record.s3.object.key}`;
      options.onEvent({ Records: [normalizeRecord(record, completing.has(id))] });
    }
  });
  const handle = s3rver.callback();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    // s3rver 3.7 has no ListParts or AbortMultipartUpload (it answers MethodNotAllowed); resumable uploads and
    // the completion check need both, so they are served here from s3rver's own part files.
    if ((req.method === 'GET' || req.method === 'DELETE') && url.searchParams.has('uploadId')) {
      multipartExtra(req.method, url, options.dir).then(
        (reply) => {
          res.writeHead(reply.status, reply.body ? { 'content-type': 'application/xml' } : {});
          res.end(reply.body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/xml' });
          res.end(s3Error('InternalError', String(err)));
        },
      );
      return;
    }
    if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      const id = decodeURIComponent(url.pathname.slice(1));
      completing.add(id);
      res.on('close', () => completing.delete(id));
    }
    handle(req, res);
  });
  guardServer(server);
  const port = await listenStable(server, options.dir, options.port);
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => closeServer(server) };
}

export function normalizeRecord(record: S3EventRecord, multipartCompletion: boolean): S3EventRecord {
  const bucket = record.s3.bucket.name;
  return {
    ...record,
    eventName: multipartCompletion ? 'ObjectCreated:CompleteMultipartUpload' : record.eventName,
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${bucket}` },
      object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
    },
  };
}

/** S3 notifications carry keys form-encoded (space as '+'); handlers decode them, so we must encode them. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** ListParts (GET ?uploadId) and AbortMultipartUpload (DELETE ?uploadId) over s3rver's upload folder. */
export async function multipartExtra(
  method: 'GET' | 'DELETE',
  url: URL,
  dir: string,
): Promise<{ status: number; body: string }> {
  const [bucket, ...keyParts] = url.pathname.slice(1).split('/');
  const uploadId = url.searchParams.get('uploadId') ?? '';
  // s3rver's upload ids are 32 hex digits; anything else must not become a path.
  if (!bucket || !/^[0-9a-f]{32}$/.test(uploadId)) {
    return { status: 404, body: s3Error('NoSuchUpload', 'The specified upload does not exist.') };
  }
  const uploadDir = join(dir, decodeURIComponent(bucket), UPLOADS_DIR, uploadId);
  const names = await readdir(uploadDir).catch(() => null);
  if (names === null) return { status: 404, body: s3Error('NoSuchUpload', 'The specified upload does not exist.') };
  if (method === 'DELETE') {
    await rm(uploadDir, { recursive: true, force: true });
    return { status: 204, body: '' };
  }
  // A part is stored once its checksum file is there too (putPartAtomically writes that last).
  const numbers = names
    .filter((n) => /^\d+$/.test(n) && names.includes(`${n}.md5`))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = await Promise.all(
    numbers.map(async (n) => {
      const [info, md5] = await Promise.all([
        stat(join(uploadDir, String(n))),
        readFile(join(uploadDir, `${n}.md5`), 'utf8'),
      ]);
      return `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>&quot;${md5.trim()}&quot;</ETag><Size>${info.size}</Size></Part>`;
    }),
  );
  const key = decodeURIComponent(keyParts.join('/'));
  return {
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(decodeURIComponent(bucket))}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
  };
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where s3rver keeps unfinished multipart uploads, one folder per upload id, inside the bucket's folder. */
const UPLOADS_DIR = '._S3rver_uploads';
const PORT_FILE = '.port';
const PARTIAL = '.partial-';
/** s3rver writes the object key into the upload's folder when the upload is created, and reads it to complete. */
const UPLOAD_KEY_FILE = 'key';

/**
 * Presigned URLs name the endpoint's port, and the page keeps them for an hour to resume an upload: a restart
 * must come back on the same port. The port is kept in the data folder (a file s3rver ignores: not a bucket).
 */
async function listenStable(server: import('node:http').Server, dir: string, configured?: number): Promise<number> {
  const file = join(dir, PORT_FILE);
  let remembered: number | undefined;
  try {
    remembered = Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    remembered = undefined;
  }
  const wanted = configured ?? remembered ?? 0;
  let port: number;
  try {
    port = await listenLoopback(server, wanted);
  } catch (error) {
    // Taken by something else meanwhile: only a remembered port may give way (a configured one is a promise).
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || configured !== undefined || wanted === 0) throw error;
    port = await listenLoopback(server, 0);
  }
  if (port !== remembered) writeFileSync(file, String(port));
  return port;
}

/**
 * A part lands under its name only whole: streamed to a temporary file, the old checksum removed, the part
 * renamed into place, then its checksum written (and renamed). At every instant `N` with `N.md5` is a whole part
 * and its checksum; ListParts shows nothing else, and start-up clears what a crash left half-done.
 */
async function putPartAtomically(
  uploadDir: string,
  partNumber: string,
  content: IncomingMessage,
): Promise<PartWritten> {
  if (!/^\d+$/.test(partNumber)) throw new Error(`bad part number ${partNumber}`);
  // s3rver would create the folder of an upload that was completed or aborted and take the part: a page resuming
  // with a URL it kept would then "complete" an upload without its key file (a 500). S3 answers NoSuchUpload.
  if (!existsSync(join(uploadDir, UPLOAD_KEY_FILE))) {
    content.resume();
    throw new S3Error(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    );
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

/** Start-up: temporary part files a killed process left behind, and parts whose checksum never landed. */
async function removeUnfinishedParts(dir: string): Promise<void> {
  const buckets = await readdir(dir).catch(() => [] as string[]);
  for (const bucket of buckets) {
    const uploads = join(dir, bucket, UPLOADS_DIR);
    for (const upload of await readdir(uploads).catch(() => [] as string[])) {
      const folder = join(uploads, upload);
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names) {
        const orphanPart = /^\d+$/.test(name) && !names.includes(`${name}.md5`);
        if (name.startsWith(PARTIAL) || orphanPart) await rm(join(folder, name), { force: true });
      }
    }
  }
}
