import type { IncomingMessage, ServerResponse } from 'node:http';

/** A service-level error, sent the way the AWS protocols send them so the SDK rebuilds the typed exception. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const KEPT_BODY = Symbol('connect-now.kept-body');

/** Remembers a body already read (to check its signature) so the handler's `readBody` gets it again. */
export function keepBody(req: IncomingMessage, body: Buffer): void {
  (req as unknown as Record<symbol, Buffer>)[KEPT_BODY] = body;
}

export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  const kept = (req as unknown as Record<symbol, Buffer | undefined>)[KEPT_BODY];
  if (kept) {
    if (kept.length > limit) throw new AwsServiceError('RequestEntityTooLargeException', 'Request body too large', 413);
    return kept;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Past the limit the rest is read and dropped: answering while the client still sends leaves its keep-alive
    // socket mid-request, and its next call on that socket waits seconds before it gives the socket up.
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new AwsServiceError('RequestEntityTooLargeException', 'Request body too large', 413);
  return Buffer.concat(chunks);
}

export function readJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new AwsServiceError('SerializationException', 'Request body is not a JSON object');
  }
}

/** restJson1 (RDS Data, Lambda): the error type travels in x-amzn-ErrorType, the message in the body. */
export function sendRestJsonError(res: ServerResponse, error: AwsServiceError): void {
  res.writeHead(error.status, { 'content-type': 'application/json', 'x-amzn-errortype': error.type });
  res.end(JSON.stringify({ message: error.message }));
}

/** awsJson1_1 (Secrets Manager): the error type travels as __type in the body. */
export function sendJson11Error(res: ServerResponse, error: AwsServiceError): void {
  res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ __type: error.type, message: error.message }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
