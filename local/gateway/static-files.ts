import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { decodeComponent } from '../../functions/shared/percent-encoding';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.tflite': 'application/octet-stream',
  '.binarypb': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.vtt': 'text/vtt; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** What a shell-less checkout serves, so `npm start` still says what is wrong instead of a bare 404. */
const FALLBACK_SHELL = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Connect Now (local)</title></head>
<body><h1>Connect Now</h1><p>The frontend bundle is missing or failed to build. See <a href="/healthz">/healthz</a>.</p></body></html>`;

/**
 * The CloudFront + private bucket behaviour locally: files from dist/frontend, hashed assets cached forever,
 * index.html never cached, and the SPA fallback (unknown paths without a dot serve index.html).
 */
export class StaticFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get available(): boolean {
    return existsSync(join(this.root, 'index.html'));
  }

  serve(pathname: string, res: ServerResponse, headers: Record<string, string>, headOnly: boolean): void {
    let file = this.resolveFile(pathname);
    if (!file && !extname(pathname)) file = join(this.root, 'index.html');
    if (!file || !existsSync(file)) {
      if (!extname(pathname) && !this.available) {
        res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
        res.end(headOnly ? undefined : FALLBACK_SHELL);
        return;
      }
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(headOnly ? undefined : 'Not found');
      return;
    }
    const immutable = file.startsWith(join(this.root, 'assets') + sep);
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(statSync(file).size),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (headOnly) res.end();
    else createReadStream(file).pipe(res);
  }

  private resolveFile(pathname: string): string | undefined {
    const decoded = decodeComponent(pathname);
    if (decoded === undefined || decoded.includes('\0')) return undefined;
    const file = resolve(this.root, '.' + (decoded.endsWith('/') ? `${decoded}index.html` : decoded));
    // Never serve anything outside the bundle directory (../ in the path).
    if (file !== this.root && !file.startsWith(this.root + sep)) return undefined;
    return existsSync(file) && statSync(file).isFile() ? file : undefined;
  }
}
