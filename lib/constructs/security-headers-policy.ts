import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/** Properties of {@link SecurityHeadersPolicy}. */
export interface SecurityHeadersPolicyProps {
  /**
   * Header name (lower case) → value, as exported by functions/auth/security-headers.ts, the one source the local
   * gateway also serves, so what the browser enforces on a laptop is what it enforces in AWS.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A CloudFront response headers policy built from a plain header map. CloudFront rejects the security headers it
 * models (CSP, HSTS, X-Frame-Options, …) as custom headers, so those are translated to its typed fields and the
 * rest become custom headers; every header overrides whatever the origin sent.
 */
export class SecurityHeadersPolicy extends Construct {
  public readonly policy: cloudfront.ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: SecurityHeadersPolicyProps) {
    super(scope, id);
    const remaining = new Map(Object.entries(props.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const take = (name: string): string | undefined => {
      const value = remaining.get(name);
      remaining.delete(name);
      return value;
    };
    const csp = take('content-security-policy');
    const hsts = take('strict-transport-security');
    const frame = take('x-frame-options');
    const referrer = take('referrer-policy');
    const nosniff = take('x-content-type-options');
    const xss = take('x-xss-protection');
    const security: cloudfront.ResponseSecurityHeadersBehavior = {
      contentSecurityPolicy: csp ? { contentSecurityPolicy: csp, override: true } : undefined,
      strictTransportSecurity: hsts ? parseHsts(hsts) : undefined,
      frameOptions: frame ? { frameOption: parseFrameOption(frame), override: true } : undefined,
      referrerPolicy: referrer ? { referrerPolicy: parseReferrer(referrer), override: true } : undefined,
      contentTypeOptions: nosniff ? { override: true } : undefined,
      xssProtection: xss
        ? { protection: !xss.startsWith('0'), modeBlock: /mode=block/.test(xss), override: true }
        : undefined,
    };
    this.policy = new cloudfront.ResponseHeadersPolicy(this, 'Policy', {
      comment: 'Connect Now security headers (functions/auth/security-headers.ts)',
      securityHeadersBehavior: security,
      customHeadersBehavior:
        remaining.size > 0
          ? { customHeaders: [...remaining].map(([header, value]) => ({ header, value, override: true })) }
          : undefined,
      removeHeaders: ['server', 'x-powered-by'],
    });
  }
}

function parseHsts(value: string): cloudfront.ResponseHeadersStrictTransportSecurity {
  const maxAge = /max-age=(\d+)/i.exec(value);
  if (!maxAge) throw new Error(`strict-transport-security "${value}" has no max-age`);
  return {
    accessControlMaxAge: Duration.seconds(Number(maxAge[1])),
    includeSubdomains: /includeSubDomains/i.test(value),
    preload: /preload/i.test(value),
    override: true,
  };
}

function parseFrameOption(value: string): cloudfront.HeadersFrameOption {
  const upper = value.trim().toUpperCase();
  if (upper === 'DENY') return cloudfront.HeadersFrameOption.DENY;
  if (upper === 'SAMEORIGIN') return cloudfront.HeadersFrameOption.SAMEORIGIN;
  throw new Error(`x-frame-options "${value}" is neither DENY nor SAMEORIGIN (the only values CloudFront supports)`);
}

function parseReferrer(value: string): cloudfront.HeadersReferrerPolicy {
  const match = Object.values(cloudfront.HeadersReferrerPolicy).find((v) => v === value.trim().toLowerCase());
  if (!match) throw new Error(`referrer-policy "${value}" is not a value CloudFront supports`);
  return match;
}
