import { sourceIp, type HttpEvent } from '../shared/http';
import { header } from './origins';

const VIEWER_ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+):\d{1,5}$/;

/**
 * The address to rate-limit by. Behind CloudFront the HTTP API's sourceIp is an edge server shared by thousands of
 * viewers, so a per-IP sign-in limit would lock out whole cities at once; CloudFront's own `CloudFront-Viewer-Address`
 * header (ip:port, when the origin request policy forwards it) names the viewer. Only trustworthy when the
 * execute-api endpoint cannot be reached directly; docs/security.md says so.
 */
export function clientIp(event: HttpEvent): string {
  const viewer = header(event.headers, 'cloudfront-viewer-address')?.trim();
  const match = viewer ? VIEWER_ADDRESS.exec(viewer) : null;
  return match ? match[1]!.toLowerCase() : sourceIp(event);
}
