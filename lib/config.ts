import * as z from 'zod';
import { CUDA_ARCHITECTURES, GPU_FAMILIES, gpuFamilyOf } from './gpu-architectures';

/*
 * The deployment's knobs, read from cdk.json `context` (or `-c key=value` on the command line) and validated once
 * at synth. A wrong value fails the synth with a message that names the key and how to set it, instead of a
 * CloudFormation rollback twenty minutes later.
 */

const RATE_LIMIT_NAMES = [
  'signIn',
  'roomCreate',
  'roomJoin',
  'roomPasswordFailures',
  'chat',
  'signal',
  'upload',
  // Email accounts (functions/auth/email-accounts.ts): an office behind one NAT may need a higher per-address budget.
  'passwordSignIn',
  'accountMail',
  'accountMailAddress',
] as const;

/** Integer ranges, shared by the schema and its error messages so the two never disagree. */
const RANGES = {
  'fleet.maxInstances': [0, 20],
  'fleet.idleMinutes': [1, 120],
  maxParticipants: [2, 50],
} as const satisfies Record<string, readonly [number, number]>;

function intIn(key: keyof typeof RANGES) {
  const [min, max] = RANGES[key];
  return z.number().int().min(min).max(max);
}

const rateLimitSchema = z.object({
  max: z.number().int().min(1).max(100_000),
  windowSeconds: z.number().int().min(1).max(86_400),
});

/** An NVIDIA GPU instance type the CUDA image is built for (lib/gpu-architectures.ts). */
const gpuInstanceType = z
  .string()
  .refine((type) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type) && gpuFamilyOf(type) !== undefined, {
    message:
      `must be a GPU instance type such as g4dn.xlarge or g5.xlarge whose GPU the Whisper image is built for ` +
      `(CUDA architectures ${CUDA_ARCHITECTURES}: families ${Object.keys(GPU_FAMILIES).join(', ')})`,
  });

const fleetSchema = z.strictObject({
  /** EC2 instance type of the Whisper workers, tried first. */
  instanceType: gpuInstanceType.default('g4dn.xlarge'),
  /**
   * Further types the fleet may launch when the first has no capacity (Spot pools run dry per type and zone; a new
   * account may have quota for one family only). Spot picks among all of them by price and capacity; On-Demand
   * tries them in this order.
   */
  alternateInstanceTypes: z.array(gpuInstanceType).max(10).default(['g5.xlarge', 'g6.xlarge']),
  /** Upper bound of the Auto Scaling group; 0 disables transcription entirely. */
  maxInstances: intIn('fleet.maxInstances').default(2),
  /** Minutes the queue must stay empty before the scaler sets the fleet back to zero. */
  idleMinutes: intIn('fleet.idleMinutes').default(10),
  /** Spot capacity costs ~70 % less; jobs are idempotent and return to the queue when an instance is reclaimed. */
  spot: z.boolean().default(true),
});

const turnSchema = z.strictObject({
  urls: z
    .array(z.string().regex(/^turns?:[^\s,]+$/, 'must be turn: or turns: URLs such as turns:turn.example.com:443'))
    .min(1),
  /** Name of an existing Secrets Manager secret holding the TURN shared secret (coturn `static-auth-secret`). */
  secretName: z.string().min(1).max(512),
});

/**
 * The GitHub repository whose Actions may deploy (lib/stacks/github-deploy-stack.ts), spelt as GitHub spells it in the
 * `sub` claim of its OIDC tokens: `OWNER/NAME`, or `OWNER@OWNER_ID/NAME@REPO_ID` for repositories that use immutable
 * subject claims (created, renamed or transferred after 18 June 2026, or opted in). Owners are letters, digits and
 * single inner hyphens (at most 39); names letters, digits, `.`, `-` and `_`, never `.` or `..`. The value ends up
 * verbatim in the IAM trust condition, so a malformed one would deploy a role that no workflow can assume.
 */
const GITHUB_REPOSITORY =
  /^(?=[^/@]{1,39}[@/])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(@[1-9]\d*)?\/(?!\.\.?(?:@|$))[A-Za-z0-9._-]{1,100}(@[1-9]\d*)?$/;

const githubSchema = z.strictObject({
  repository: z.string().refine((repository) => {
    const match = GITHUB_REPOSITORY.exec(repository);
    // Immutable ids come in pairs: a half-converted subject matches no token GitHub issues.
    return match !== null && (match[1] === undefined) === (match[2] === undefined);
  }, "must be OWNER/NAME as in https://github.com/OWNER/NAME (such as octo-org/connect-now), or OWNER@OWNER_ID/NAME@REPO_ID where GitHub's OIDC subject uses immutable ids"),
  /** An account holds one provider per issuer URL: name the existing one instead of creating a second. */
  oidcProviderArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
      "must be the ARN of the account's existing GitHub provider, arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com",
    )
    .optional(),
});

const HOST_NAME = /^([a-z0-9-]+\.)+[a-z]{2,}$/;

/**
 * Account mail through Amazon SES (functions/auth/mailer.ts): the domain becomes an SES identity (DKIM records to
 * publish, docs/deployment.md) and `fromAddress` must be on it. Without `mail`, email sign-up cannot send its links.
 */
const mailSchema = z
  .strictObject({
    domain: z.string().regex(HOST_NAME, 'must be a lower-case domain such as example.com'),
    fromAddress: z.email('must be an e-mail address such as no-reply@example.com'),
    fromName: z
      .string()
      .regex(/^[\w .'-]{1,64}$/, "must be 1-64 letters, digits, spaces or . ' -")
      .default('Connect Now'),
  })
  .refine((mail) => mail.fromAddress.toLowerCase().endsWith(`@${mail.domain}`), {
    path: ['fromAddress'],
    message: 'must be an address on mail.domain (SES sends only from verified identities)',
  });

/** `Name <address>`: the MAIL_FROM the function sends with. */
export const mailFromHeader = (mail: z.infer<typeof mailSchema>): string => `${mail.fromName} <${mail.fromAddress}>`;

const originSchema = z
  .string()
  .regex(/^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/, 'must be an https origin such as https://meet.example.com (no path)');

export const configSchema = z
  .strictObject({
    /** Prefix of every stack name, so two deployments can live in one account. */
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/, 'must start with a letter; letters, digits and hyphens, at most 31')
      .default('ConnectNow'),
    domainName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a lower-case host name such as meet.example.com')
      .optional(),
    /** ACM certificate for domainName; CloudFront only accepts certificates from us-east-1. */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/,
        'must be an ACM certificate ARN in us-east-1',
      )
      .optional(),
    /** Extra page origins allowed to open sockets and upload (the CloudFront or custom domain is always allowed). */
    allowedOrigins: z.array(originSchema).max(20).default([]),
    googleClientId: z
      .string()
      .regex(/^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$/, 'must look like 1234-abc.apps.googleusercontent.com')
      .optional(),
    turn: turnSchema.optional(),
    mail: mailSchema.optional(),
    /**
     * STUN servers handed to browsers (ICE_SERVERS_JSON): without one, peers behind different NATs find no route.
     * STUN only reflects a browser's public address; media never flows through it. `[]` disables it.
     */
    stunUrls: z
      .array(z.string().regex(/^stuns?:[^\s,]+$/, 'must be stun: URLs such as stun:stun.l.google.com:19302'))
      .max(5)
      .default(['stun:stun.l.google.com:19302']),
    fleet: fleetSchema.prefault({}),
    /**
     * How VPC Lambdas reach public AWS endpoints (the @connections API above all):
     * `instance` a t4g.nano NAT instance (~$3/month), `gateway` a managed NAT gateway (~$33/month, HA),
     * `none` no NAT (cheapest; VPC Lambdas then cannot post to sockets: only for trying the stack).
     */
    natMode: z.enum(['instance', 'gateway', 'none']).default('instance'),
    alarmEmail: z.email('must be an e-mail address').optional(),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message: `must be one of CloudWatch's retention periods: ${[1, 3, 5, 7, 14, 30, 60, 90, 180, 365].join(', ')}, …`,
      })
      .default(30),
    maxParticipants: intIn('maxParticipants').default(8),
    /** Keep the table, database, cache snapshots and recordings when the stacks are destroyed. */
    retainData: z.boolean().default(true),
    /** Overrides for the rate limits in functions/shared/rate-limit.ts (passed as LIMITS_JSON). */
    limits: z.partialRecord(z.enum(RATE_LIMIT_NAMES), rateLimitSchema).default({}),
    /** When set, the GitHubDeploy stack (OIDC provider and deploy roles for GitHub Actions) is synthesized too. */
    github: githubSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (Boolean(config.domainName) !== Boolean(config.certificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: [config.domainName ? 'certificateArn' : 'domainName'],
        message: `is required when ${config.domainName ? 'domainName' : 'certificateArn'} is set (they go together)`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Thrown at synth when cdk.json context is wrong; its message lists every problem with the fix. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Connect Now configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Example values shown in the fix-it hint for each key. */
const EXAMPLES: Record<string, string> = {
  'fleet.maxInstances': '2',
  'fleet.idleMinutes': '10',
  'fleet.instanceType': 'g4dn.xlarge',
  'fleet.alternateInstanceTypes': '\'["g5.xlarge","g6.xlarge"]\'',
  'fleet.spot': 'true',
  natMode: 'instance',
  logRetentionDays: '30',
  maxParticipants: '8',
  retainData: 'true',
  domainName: 'meet.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/…',
  allowedOrigins: '\'["https://meet.example.com"]\'',
  alarmEmail: 'ops@example.com',
  stunUrls: '\'["stun:stun.example.com:3478"]\'',
  'mail.domain': 'example.com',
  'mail.fromAddress': 'no-reply@example.com',
  'github.repository': 'octo-org/connect-now',
  'github.oidcProviderArn': 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
};

/**
 * Reads the config from a flat context map as CDK provides it: nested objects from cdk.json, and dotted keys
 * (`fleet.maxInstances`) from `-c` on the command line, whose values arrive as strings ("2", "true", JSON arrays).
 */
export function parseConfig(context: Record<string, unknown>): Config {
  const raw: Record<string, unknown> = {};
  // Whole objects from cdk.json first, then dotted command-line overrides on top of them.
  const keys = Object.keys(context)
    .filter((key) => !isCdkOwnKey(key))
    .sort((a, b) => a.split('.').length - b.split('.').length);
  for (const key of keys) setPath(raw, key.split('.'), coerce(context[key]));
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigValidationError(result.error.issues.map((issue) => formatIssue(issue)));
}

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.length > 0 ? `context.${issue.path.join('.')}` : 'context';
    // A typo (-c fleet.maxInstance=2) would otherwise be ignored silently and deploy the default.
    return `${parent} has unknown setting(s) ${issue.keys.join(', ')}: check the spelling against docs/deployment.md`;
  }
  const key = issue.path.join('.');
  const what = rangeOf(key) ?? issue.message;
  const example = EXAMPLES[key] ?? '<value>';
  return `context.${key} ${what}: set it in cdk.json or pass -c ${key}=${example}`;
}

// Feature flags and CDK's own context keys (aws:cdk:…, availability-zones:…) are not ours.
function isCdkOwnKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || key.startsWith('cdk');
}

function rangeOf(key: string): string | undefined {
  const range = (RANGES as Record<string, readonly [number, number]>)[key];
  return range ? `must be an integer ${range[0]}..${range[1]}` : undefined;
}

function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^(true|false|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    const existing = target[head];
    target[head] = isPlainObject(existing) && isPlainObject(value) ? { ...existing, ...value } : value;
    return;
  }
  const child = isPlainObject(target[head]) ? { ...target[head] } : {};
  target[head] = child;
  setPath(child, rest, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Origins the page is served from: the custom domain when set, plus any configured extras. */
export function configuredOrigins(config: Config): string[] {
  const origins = [...config.allowedOrigins];
  if (config.domainName) origins.unshift(`https://${config.domainName}`);
  return [...new Set(origins)];
}
