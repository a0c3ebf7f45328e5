import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsServiceError, keepBody, MAX_REQUEST_BYTES, readBody } from './aws-http';

/*
 * SigV4 verification for the local emulators (Data API, Secrets Manager, Lambda Invoke, @connections). Any page
 * the developer opens can make the browser send requests to 127.0.0.1 ports; without a signature check, a page
 * could run SQL through the Data API or post into meeting sockets. The check recomputes the signature with
 * @smithy/signature-v4 (the signer the AWS SDK itself uses) over exactly the headers the client signed, and compares.
 */

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** How far a request's X-Amz-Date may be from now, as AWS allows. */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** node:crypto behind the hash interface the signer takes (HMAC when given a key). */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function amzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/**
 * One signer per credentials, region and service: a signer keeps the day's derived signing key (four HMACs), which a
 * signer made per request derived again for every request (each @connections post of the local cloud passes here).
 */
const signers = new WeakMap<LocalCredentials, Map<string, SignatureV4>>();
function signerFor(credentials: LocalCredentials, region: string, service: string): SignatureV4 {
  let byScope = signers.get(credentials);
  if (!byScope) signers.set(credentials, (byScope = new Map()));
  const scope = `${region}/${service}`;
  let signer = byScope.get(scope);
  if (!signer) {
    signer = new SignatureV4({
      credentials,
      region,
      service,
      sha256: NodeSha256,
      // Else the signer adds X-Amz-Content-SHA256 and signs it; it counts only when the client signed it.
      applyChecksum: false,
      // The SDK signs non-S3 paths as sent (already escaped once) and escapes them again; so does this.
      uriEscapePath: true,
    });
    // Scopes come from the request: a client cycling through made-up regions must not grow this without bound.
    if (byScope.size >= 64) byScope.clear();
    byScope.set(scope, signer);
  }
  return signer;
}

/** Why the request is not signed with `credentials`, or undefined when it is. */
export async function sigV4Problem(
  req: IncomingMessage,
  body: Buffer,
  credentials: LocalCredentials,
  now: number = Date.now(),
): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  if (!match) return 'not signed with AWS Signature Version 4';
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) return 'signed with another access key';
  const date = amzDate(String(req.headers['x-amz-date'] ?? ''));
  if (!date || !date.toISOString().replace(/-/g, '').startsWith(day!)) return 'missing or inconsistent X-Amz-Date';
  if (Math.abs(now - date.getTime()) > CLOCK_SKEW_MS) return 'X-Amz-Date is too far from now';

  const names = signedHeaders!.split(';');
  if (!names.includes('host')) return 'the Host header is not signed';
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signed = await signerFor(credentials, region!, service!).sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: headers.host!.replace(/:\d+$/, ''),
      path: q < 0 ? raw : raw.slice(0, q),
      query,
      headers,
      body,
    },
    { signingDate: date, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const ok = expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
  return ok ? undefined : 'the signature does not match';
}

/**
 * Reads the body, checks the signature, and keeps the body for the handler; throws a 403 AwsServiceError
 * (the SDK rebuilds it as the typed exception) when the request is not signed with `credentials`.
 */
export async function requireSignature(
  req: IncomingMessage,
  credentials: LocalCredentials,
  maxBody = MAX_REQUEST_BYTES,
): Promise<void> {
  const body = await readBody(req, maxBody);
  const problem = await sigV4Problem(req, body, credentials);
  if (problem) {
    const type =
      problem === 'signed with another access key' ? 'UnrecognizedClientException' : 'InvalidSignatureException';
    throw new AwsServiceError(type, `Refused: ${problem} (the local stack's own credentials are required)`, 403);
  }
  keepBody(req, body);
}
