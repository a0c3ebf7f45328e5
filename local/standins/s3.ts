import { createServer, type IncomingMessage } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { guardServer } from '../listener-guard';
import { closeServer, listenLoopback } from './listen';
import {
  UPLOADS_DIR,
  abortAtomically,
  completeAtomically,
  putPartAtomically,
  recoverUploads,
  uploadExists,
  type CompletedPart,
  type PartWritten,
  type S3rverFilesystemStore,
} from './s3-multipart-store';

// s3rver ships no types: a Koa app with a request callback, bucket provisioning and an 'event' emitter.
interface S3rverApp {
  callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  configureBuckets(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
  store: S3rverStore;
}
interface S3rverStore extends S3rverFilesystemStore {
  putPart(bucket: string, uploadId: string, partNumber: string, content: IncomingMessage): Promise<PartWritten>;
  putObjectMultipart(bucket: string, uploadId: string, parts: CompletedPart[]): Promise<PartWritten>;
}
// s3rver's event model (what it emits after a request), for the events of completions finished at start-up.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rverEvent = require('s3rver/lib/models/event') as new (
  data: { bucket: string; eventType: 'Post'; S3Item: { key: string; size: number; metadata: { etag: string } } },
  request: { reqHeaders: { host: string }; sourceIp: string },
) => S3Event;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverApp;

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
  // s3rver's multipart writes are not atomic (s3-multipart-store.ts): ours are, and a kill's leftovers are
  // recovered before the first request.
  // A completion rolled forward created its object: S3 would have sent ObjectCreated for it, so we do too.
  for (const done of await recoverUploads(s3rver.store, options.dir)) {
    const event = new S3rverEvent(
      {
        bucket: done.bucket,
        eventType: 'Post',
        S3Item: { key: done.key, size: done.written.size, metadata: { etag: JSON.stringify(done.written.md5) } },
      },
      { reqHeaders: { host: '127.0.0.1' }, sourceIp: '127.0.0.1' },
    );
    for (const record of event.Records) options.onEvent({ Records: [normalizeRecord(record, true)] });
  }
  s3rver.store.putPart = (bucket, uploadId, partNumber, content) =>
    putPartAtomically(join(options.dir, bucket, UPLOADS_DIR, uploadId), partNumber, content);
  s3rver.store.putObjectMultipart = (bucket, uploadId, parts) =>
    completeAtomically(s3rver.store, join(options.dir, bucket, UPLOADS_DIR), bucket, uploadId, parts);

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
  // Without its key file the upload is being completed or removed: S3 shows it as gone, never half there.
  const names = uploadExists(uploadDir) ? await readdir(uploadDir).catch(() => null) : null;
  if (names === null) return { status: 404, body: s3Error('NoSuchUpload', 'The specified upload does not exist.') };
  if (method === 'DELETE') {
    await abortAtomically(uploadDir);
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

const PORT_FILE = '.port';

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
