export type TransferFailure = 'network' | 'expired' | 'rejected' | 'aborted';

export class PartTransferError extends Error {
  constructor(
    readonly kind: TransferFailure,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'PartTransferError';
  }

  /** A dropped connection or an expired URL: worth asking the API again and continuing. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'expired';
  }
}

/** PUTs one part to its presigned URL, reporting bytes sent; resolves with the ETag S3 returned. */
export type PutPart = (
  url: string,
  body: Blob,
  onProgress: (loaded: number) => void,
  signal?: AbortSignal,
) => Promise<string>;

/**
 * XMLHttpRequest, not fetch: fetch has no upload progress events in browsers today, and the progress bar is
 * the point. No Content-Type header: the part URL is signed without one.
 */
export const xhrPutPart: PutPart = (url, body, onProgress, signal) =>
  new Promise<string>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new PartTransferError('aborted', 'The upload was cancelled.'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        const etag = xhr.getResponseHeader('ETag');
        if (!etag) {
          // Browsers hide response headers from scripts unless CORS exposes them.
          reject(new PartTransferError('rejected', 'The storage did not expose the ETag header (CORS ExposeHeaders).'));
          return;
        }
        resolve(etag);
        return;
      }
      // S3 answers 403 for an expired or otherwise invalid presigned URL: presign again and retry.
      if (xhr.status === 403) {
        reject(new PartTransferError('expired', 'The upload link expired.', 403));
        return;
      }
      if (xhr.status >= 500 || xhr.status === 408 || xhr.status === 429) {
        reject(new PartTransferError('network', `The storage answered HTTP ${xhr.status}.`, xhr.status));
        return;
      }
      reject(new PartTransferError('rejected', `The storage refused the part (HTTP ${xhr.status}).`, xhr.status));
    };
    xhr.onerror = () => {
      done();
      reject(new PartTransferError('network', 'The network connection was lost.'));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(new PartTransferError('aborted', 'The upload was cancelled.'));
    };
    xhr.send(body);
  });
