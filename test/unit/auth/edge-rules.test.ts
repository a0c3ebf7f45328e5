import { clientIp, ORIGIN_VERIFY_HEADER } from '../../../functions/auth/client-ip';
import { guestNameSchema, providerDisplayName } from '../../../functions/auth/names';
import { isAllowedOrigin } from '../../../functions/auth/origins';
import { safeReturnPath } from '../../../functions/auth/routes';
import { SECURITY_HEADERS, securityHeaders } from '../../../functions/auth/security-headers';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('security headers', () => {
  const csp = directives(SECURITY_HEADERS['content-security-policy']!);

  it('allows no inline script, no eval and no foreign script hosts', () => {
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(SECURITY_HEADERS['content-security-policy']).not.toMatch(
      /unsafe-inline|'unsafe-eval'|\*(?!\.googleusercontent)/,
    );
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
  });

  it('cannot be framed (clickjacking a host into "remove participant")', () => {
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(SECURITY_HEADERS['x-frame-options']).toBe('DENY');
  });

  it('keeps network access to our own origin and media to our own blobs', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('media-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('default-src')).toEqual(["'self'"]);
  });

  it('sends HSTS, nosniff, a referrer policy and camera/microphone/screen for this origin only', () => {
    expect(SECURITY_HEADERS['strict-transport-security']).toMatch(/max-age=\d{8,}/);
    expect(SECURITY_HEADERS['x-content-type-options']).toBe('nosniff');
    expect(SECURITY_HEADERS['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const permissions = SECURITY_HEADERS['permissions-policy']!;
    for (const feature of ['camera', 'microphone', 'display-capture'])
      expect(permissions).toContain(`${feature}=(self)`);
    expect(permissions).toContain('geolocation=()');
  });

  it('adds explicit socket and storage origins, and refuses entries that would inject directives', () => {
    const bucket = 'https://bucket.s3.us-east-1.amazonaws.com';
    const socket = 'wss://abc.execute-api.us-east-1.amazonaws.com';
    const split = directives(securityHeaders({ connectSrc: [socket, bucket] })['content-security-policy']!);
    expect(split.get('connect-src')).toEqual(["'self'", socket, bucket]);
    // Recordings play from presigned bucket URLs; a socket origin has no business serving media.
    expect(split.get('media-src')).toEqual(["'self'", 'blob:', bucket]);
    expect(split.get('img-src')).toContain(bucket);
    expect(split.get('img-src')).not.toContain(socket);
    expect(() => securityHeaders({ connectSrc: ['https://x.example; script-src *'] })).toThrow(/not a plain origin/);
    expect(() => securityHeaders({ connectSrc: ['*'] })).toThrow(/not a plain origin/);
    expect(() => securityHeaders({ connectSrc: ['http://evil.example'] })).toThrow(/not a plain origin/);
    // A CDK token for the bucket's domain (resolved at deploy time) is a plain origin too.
    const token = 'https://${Token[TOKEN.123]}';
    expect(directives(securityHeaders({ connectSrc: [token] })['content-security-policy']!).get('media-src')).toContain(
      token,
    );
    expect(() => securityHeaders({ connectSrc: ['https://${Token[x]} *'] })).toThrow(/not a plain origin/);
  });
});

describe('guest names', () => {
  it('trims and keeps everything a person may type, markup included', () => {
    expect(guestNameSchema.parse('  <b>Ann</b> & "Bob"  ')).toBe('<b>Ann</b> & "Bob"');
  });

  it.each([
    '',
    '  ',
    'a'.repeat(41),
    'tab\there',
    'bell\u0007',
    'rtl\u202Eoverride',
    'isolate\u2066x',
    'line\u2028sep',
    'zero\u200Bwidth',
    'mark\u200E',
    'arabic\u061Cmark',
    '\u3164',
  ])('refuses %j', (name) => {
    expect(guestNameSchema.safeParse(name).success).toBe(false);
  });

  it('stores the NFKC form, so a full-width look-alike becomes the plain name', () => {
    expect(guestNameSchema.parse('Ａｎｎ')).toBe('Ann');
  });

  it('refuses 40 emoji made of so many code points that they overflow storage', () => {
    expect(guestNameSchema.safeParse('👨‍👩‍👧‍👦'.repeat(40)).success).toBe(false);
  });

  it('makes a provider name safe to store, falling back to the email local part', () => {
    expect(providerDisplayName('Grace\u202E Hopper\u0000', undefined)).toBe('Grace Hopper');
    expect(providerDisplayName('', 'grace@example.com')).toBe('grace');
    expect(providerDisplayName(undefined, undefined)).toBe('Google user');
    expect(providerDisplayName('😀'.repeat(80), undefined)).toHaveLength(100);
  });
});

describe('origin allowlist', () => {
  const env = { ...process.env };
  beforeAll(() => {
    process.env.ALLOWED_ORIGINS = 'https://meet.example.com, http://localhost:8080';
  });
  afterAll(() => {
    process.env = env;
  });

  it.each([
    ['https://meet.example.com', true],
    ['HTTPS://MEET.EXAMPLE.COM', true],
    ['http://localhost:8080', true],
    ['http://meet.example.com', false],
    ['https://meet.example.com:8443', false],
    ['https://meet.example.com.evil.example', false],
    ['https://evil.example', false],
    ['https://meet.example.com/', false],
    ['null', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (origin, allowed) => {
    expect(isAllowedOrigin(origin)).toBe(allowed);
  });
});

describe('return path after sign-in', () => {
  const base = 'https://meet.example.com';
  it.each([
    ['/r/abc?x=1#top', '/r/abc?x=1#top'],
    ['/recordings', '/recordings'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/r/abc', '/'],
    ['javascript:alert(1)', '/'],
    ['r/abc', '/'],
    [undefined, '/'],
    ['/' + 'a'.repeat(600), '/'],
    // Each of these resolves, against the app's origin, to a path that starts with "//": sent back as a Location it
    // is a scheme-relative URL to another host.
    ['/.//evil.example', '/'],
    ['/./\\evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['/a/../\\evil.example', '/'],
    ['/%2e//evil.example', '/'],
    ['/%2E%2E//evil.example', '/'],
    ['/x/%2e%2e//evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['//evil', '/'],
    ['/\\evil', '/'],
    ['\\\\evil', '/'],
    ['https://evil', '/'],
    ['HTTPS://meet.example.com.evil.example/', '/'],
    ['https://meet.example.com@evil.example/', '/'],
    ['http://meet.example.com/r/abc', '/'],
    ['data:text/html,<script>alert(1)</script>', '/'],
    ['', '/'],
    // Same-origin paths that only look odd stay as they are (normalised).
    ['/r/abc/../def', '/r/def'],
    ['/%2e/r/abc', '/r/abc'],
    ['/r/a%2Fb', '/r/a%2Fb'],
  ])('%j → %s', (input, expected) => {
    expect(safeReturnPath(input, base)).toBe(expected);
  });

  it('never returns something a browser would resolve to another origin', () => {
    const tricks = ['/.//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/\\evil', '//evil'];
    for (const trick of tricks) {
      expect(new URL(safeReturnPath(trick, base), base).origin).toBe(base);
    }
  });
});

describe('client address for rate limits', () => {
  const edgeSecret = 'cloudfront-origin-secret-0123456789';
  const event = (headers: Record<string, string>) =>
    ({ headers, requestContext: { http: { sourceIp: '130.176.1.1' } } }) as unknown as Parameters<typeof clientIp>[0];
  const viaCloudFront = (headers: Record<string, string>) => event({ [ORIGIN_VERIFY_HEADER]: edgeSecret, ...headers });

  it('uses the viewer address CloudFront forwards, not the shared edge address', () => {
    expect(clientIp(viaCloudFront({ 'cloudfront-viewer-address': '203.0.113.9:53412' }), edgeSecret)).toBe(
      '203.0.113.9',
    );
    expect(clientIp(viaCloudFront({ 'CloudFront-Viewer-Address': '2001:db8::1:443' }), edgeSecret)).toBe('2001:db8::1');
  });

  it('falls back to the source address when the header is absent or malformed', () => {
    expect(clientIp(viaCloudFront({}), edgeSecret)).toBe('130.176.1.1');
    expect(clientIp(viaCloudFront({ 'cloudfront-viewer-address': 'x; DROP TABLE' }), edgeSecret)).toBe('130.176.1.1');
    expect(clientIp(viaCloudFront({ 'cloudfront-viewer-address': '203.0.113.9' }), edgeSecret)).toBe('130.176.1.1');
    // a viewer's own copy next to CloudFront's arrives comma-joined (payload v2): neither value is picked
    expect(
      clientIp(viaCloudFront({ 'cloudfront-viewer-address': '198.51.100.7:1,203.0.113.9:53412' }), edgeSecret),
    ).toBe('130.176.1.1');
  });

  it('ignores a viewer address typed by a client that called the execute-api endpoint directly', () => {
    const forged = { 'cloudfront-viewer-address': '198.51.100.7:443' };
    // no origin secret at all, a wrong one, one differing only in length, and one that is only a prefix
    expect(clientIp(event(forged), edgeSecret)).toBe('130.176.1.1');
    expect(clientIp(event({ ...forged, [ORIGIN_VERIFY_HEADER]: 'guessed' }), edgeSecret)).toBe('130.176.1.1');
    expect(clientIp(event({ ...forged, [ORIGIN_VERIFY_HEADER]: `${edgeSecret}x` }), edgeSecret)).toBe('130.176.1.1');
    expect(clientIp(event({ ...forged, [ORIGIN_VERIFY_HEADER]: edgeSecret.slice(0, 10) }), edgeSecret)).toBe(
      '130.176.1.1',
    );
  });

  it('believes no viewer header where no origin secret is configured (local stand-ins, no CloudFront)', () => {
    const headers = { [ORIGIN_VERIFY_HEADER]: '', 'cloudfront-viewer-address': '198.51.100.7:443' };
    expect(clientIp(event(headers), undefined)).toBe('130.176.1.1');
    expect(clientIp(event(headers), '')).toBe('130.176.1.1');
  });
});
