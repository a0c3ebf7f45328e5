/*
 * Response headers for every page and asset (CloudFront response headers policy in AWS, the local gateway at
 * `npm start`). The page shows names, chat and poll options typed by strangers, so the CSP is the backstop if one
 * of them ever reaches markup: no inline script, no eval, nothing loaded from hosts we do not name.
 */

export interface SecurityHeaderOptions {
  /**
   * Extra origins the page exchanges data with, beyond its own: an execute-api WebSocket URL when the API is not
   * routed through the page's domain, the recordings bucket (presigned uploads, and playback of video, posters and
   * subtitles from presigned URLs). Added to connect-src, media-src and img-src. Explicit origins only, such as
   * `wss://x.example.com` or `https://bucket.s3.us-east-1.amazonaws.com`.
   * @default none
   */
  connectSrc?: string[];
  /** @default true. False only for plain-http local runs, where browsers ignore HSTS anyway. */
  hsts?: boolean;
}

// Google serves profile pictures from googleusercontent.com; everything else the page shows comes from itself
// or from blob:/data: URLs it creates (camera frames, recordings, the background-blur mask).
const AVATAR_HOSTS = ['https://*.googleusercontent.com'];

function contentSecurityPolicy(dataOrigins: string[]): string {
  const storage = dataOrigins.filter((o) => /^https?:/.test(o));
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    // 'wasm-unsafe-eval' lets WebAssembly compile (the MediaPipe segmenter behind background blur) without
    // allowing JavaScript eval or new Function.
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:', ...AVATAR_HOSTS, ...storage],
    'media-src': ["'self'", 'blob:', ...storage],
    'font-src': ["'self'"],
    // CSP3 browsers let 'self' cover ws:/wss: to the page's own host; the explicit list is for split origins.
    'connect-src': ["'self'", ...dataOrigins],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

// The host may be a CDK token (`https://${bucket.bucketRegionalDomainName}`): the bucket's name is only known at
// deploy time, and recordings are uploaded to and played from presigned URLs on that host.
const ORIGIN_PATTERN =
  /^(https|wss):\/\/([A-Za-z0-9.-]+|\$\{Token\[[A-Za-z0-9._-]+\]\})(:\d{1,5})?$|^(http|ws):\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** The header map; keys are lower case as CloudFront and the HTTP API return them. */
export function securityHeaders(options: SecurityHeaderOptions = {}): Record<string, string> {
  const connectSrc = options.connectSrc ?? [];
  for (const origin of connectSrc) {
    // A stray space or ';' here would silently open the policy to arbitrary hosts or new directives.
    if (!ORIGIN_PATTERN.test(origin)) throw new Error(`connectSrc entry "${origin}" is not a plain origin`);
  }
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(connectSrc),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    // Room links carry the room id; a same-origin opener policy keeps other tabs from scripting this one.
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    // Only features browsers know: an unknown one is a console error on every page load (Chromium 156 reported
    // "Unrecognized feature: 'bluetooth'", so it is not listed).
    'permissions-policy': [
      'camera=(self)',
      'microphone=(self)',
      'display-capture=(self)',
      'fullscreen=(self)',
      'picture-in-picture=(self)',
      'geolocation=()',
      'payment=()',
      'usb=()',
      'serial=()',
    ].join(', '),
  };
  if (options.hsts !== false) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains; preload';
  return headers;
}

/** The default map: same-origin API and sockets, HSTS on. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(securityHeaders());
