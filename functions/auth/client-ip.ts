import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createHash, timingSafeEqual } from 'node:crypto';
import { addressBucket } from '../shared/address-bucket';
import { secrets } from '../shared/aws-clients';
import { optionalEnv } from '../shared/env';
import { sourceIp, type HttpEvent } from '../shared/http';
import { header } from './origins';

/**
 * Header CloudFront adds to every origin request of the `/api/*` behaviour (lib/stacks/web-stack.ts), carrying the
 * secret named by `ORIGIN_VERIFY_SECRET_ARN`. CloudFront overwrites a viewer-sent header of the same name.
 */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

const VIEWER_ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+):\d{1,5}$/;

/** Compares digests so neither the length nor a common prefix of the secret leaks through timing. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** True only when the request carries CloudFront's origin secret, i.e. it reached the API through the distribution. */
export function cameThroughCloudFront(event: HttpEvent, edgeSecret: string | undefined): boolean {
  if (!edgeSecret) return false;
  const presented = header(event.headers, ORIGIN_VERIFY_HEADER);
  return presented !== undefined && sameSecret(presented, edgeSecret);
}

/**
 * The address to rate-limit by. Behind CloudFront the HTTP API's sourceIp is an edge server shared by thousands of
 * viewers, so a per-IP sign-in limit would lock out whole cities at once; CloudFront's own `CloudFront-Viewer-Address`
 * header (ip:port; the managed AllViewerExceptHostHeader policy forwards it) names the viewer. The execute-api
 * endpoint is reachable without CloudFront, where anyone can type that header, so it is believed only on requests
 * that carry CloudFront's origin secret (`edgeSecret`); every other request is limited by its own source address.
 */
export function clientIp(event: HttpEvent, edgeSecret: string | undefined): string {
  if (!cameThroughCloudFront(event, edgeSecret)) return sourceIp(event);
  const viewer = header(event.headers, 'cloudfront-viewer-address')?.trim();
  const match = viewer ? VIEWER_ADDRESS.exec(viewer) : null;
  return match ? match[1]!.toLowerCase() : sourceIp(event);
}

/** `clientIp` as a per-address limit should count it: an IPv6 viewer by its /64. */
export function clientAddressBucket(event: HttpEvent, edgeSecret: string | undefined): string {
  return addressBucket(clientIp(event, edgeSecret));
}

// The secret only changes when the Web stack replaces it, and CloudFront then sends the new value: re-reading now
// and then lets warm containers follow without a Secrets Manager call per request.
const REFRESH_MS = 5 * 60 * 1000;
let cached: { at: number; value: Promise<string> } | undefined;

async function readEdgeSecret(secretArn: string): Promise<string> {
  const out = await secrets().send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!out.SecretString) throw new Error('ORIGIN_VERIFY_SECRET_ARN secret has no SecretString');
  return out.SecretString;
}

/**
 * CloudFront's origin secret (`ORIGIN_VERIFY_SECRET_ARN`), cached per container; undefined when the variable is
 * unset (local stand-ins have no CloudFront, so the viewer header is never believed there).
 */
export function loadEdgeSecret(): Promise<string | undefined> {
  const secretArn = optionalEnv('ORIGIN_VERIFY_SECRET_ARN');
  if (!secretArn) return Promise.resolve(undefined);
  const now = Date.now();
  if (cached && now - cached.at <= REFRESH_MS) return cached.value;
  const value = readEdgeSecret(secretArn);
  const entry = { at: now, value };
  cached = entry;
  // A failed read must not stick for five minutes: the next request retries.
  value.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return value;
}
