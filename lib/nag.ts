import {
  Validations,
  type App,
  type Stack,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/*
 * cdk-nag 3 acknowledges findings by exact id. Wildcard findings embed the resolved resource, and with cross-stack
 * references that is a generated output name (`{"Fn::GetStackOutput":{…"OutputName":"PublishOutputFnGetAtt…"}}/
 * uploads/*`), which no one should hard-code. A *pattern* acknowledgment names the intended wildcard (object keys
 * under `uploads/`, any connection id under `@connections/`) with its reason, and still rejects any other wildcard.
 */

const PATTERN_METADATA_KEY = 'connect-now:acknowledged-finding-patterns';

interface PatternAcknowledgment {
  /** Regular expression source matched against the whole finding id, e.g. `AwsSolutions-IAM5[Resource::…]`. */
  readonly pattern: string;
  readonly reason: string;
}

/**
 * Acknowledges every finding whose id matches `pattern` on `scope` and below. Use for wildcards whose resolved id
 * contains generated names; anything with a stable id should use `Validations.of(x).acknowledge` instead.
 */
export function acknowledgeFindingPattern(scope: IConstruct, pattern: RegExp, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`acknowledgment of ${pattern} needs a real reason`);
  scope.node.addMetadata(PATTERN_METADATA_KEY, { pattern: pattern.source, reason } satisfies PatternAcknowledgment);
}

function patternsAlong(node: IConstruct | undefined): PatternAcknowledgment[] {
  const found: PatternAcknowledgment[] = [];
  while (node) {
    for (const entry of node.node.metadata) {
      if (entry.type === PATTERN_METADATA_KEY) found.push(entry.data as PatternAcknowledgment);
    }
    node = node.node.scope;
  }
  return found;
}

/** Drops violations whose resource carries a matching pattern acknowledgment (on itself or an ancestor). */
export function applyPatternAcknowledgments(
  app: IConstruct,
  report: PolicyValidationPluginReport,
): PolicyValidationPluginReport {
  const index = new Map(app.node.findAll().map((c) => [c.node.path, c]));
  const cache = new Map<string, PatternAcknowledgment[]>();
  const patterns = (path: string) => {
    let hit = cache.get(path);
    if (!hit) {
      hit = patternsAlong(index.get(path));
      cache.set(path, hit);
    }
    return hit;
  };
  const violations = report.violations
    .map((violation) => {
      const id = violation.ruleName.replace(/^[A-Za-z]+::/, '');
      const violatingResources = violation.violatingResources.filter(
        (resource) => !patterns(resource.constructPath ?? '').some((ack) => new RegExp(`^${ack.pattern}$`).test(id)),
      );
      return { ...violation, violatingResources };
    })
    .filter((violation) => violation.violatingResources.length > 0);
  return { ...report, violations, success: violations.length === 0 };
}

/** The AWS Solutions pack, plus pattern acknowledgments. */
export class ConnectNowNagChecks implements IPolicyValidationPlugin {
  public readonly name = 'AwsSolutions';
  private readonly checks: AwsSolutionsChecks;

  constructor(scope: IConstruct) {
    this.checks = new AwsSolutionsChecks(scope);
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    return applyPatternAcknowledgments(context.appConstruct, this.checks.validate(context));
  }

  /** Runs the checks on a construct tree directly (tests): the unacknowledged findings. */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    return applyPatternAcknowledgments(scope, this.checks.validateScope(scope));
  }
}

/** Runs the AWS Solutions rules on every synth; an unacknowledged finding fails the synth. */
export function addNagChecks(app: App): ConnectNowNagChecks {
  const checks = new ConnectNowNagChecks(app);
  Validations.of(app).addPlugins(checks);
  return checks;
}

/** Wildcards that aws-cdk-lib grant methods produce by design, with why each is intended. */
export const GRANT_WILDCARDS = {
  s3Actions: {
    pattern: /AwsSolutions-IAM5\[Action::s3:(GetObject|GetBucket|List|Abort|DeleteObject|PutObject)\*\]/,
    reason:
      'aws-cdk-lib S3 grants expand to action families (GetObject* = GetObject, GetObjectVersion, …); the resources are scoped to one bucket and key prefix.',
  },
  recordingPrefixes: {
    pattern: /AwsSolutions-IAM5\[Resource::.*\/(uploads|media|subtitles)\/\*\]/,
    reason:
      'Object grants are scoped to one key prefix of the recordings bucket (uploads/, media/ or subtitles/); the wildcard is the object key.',
  },
  avatarPrefix: {
    pattern: /AwsSolutions-IAM5\[Resource::.*\/avatars\/\*\]/,
    reason:
      'Object grants are scoped to the avatars/ prefix of the avatars bucket; the wildcard is the object key (avatars/<userId>/<random>.webp).',
  },
  connections: {
    pattern:
      /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:.*\/\*\/\*\/@connections\/\*\]/,
    reason:
      'grantManageConnections: posting to any connection id of this one WebSocket API; connection ids are only known at run time.',
  },
  tableIndexes: {
    pattern: /AwsSolutions-IAM5\[Resource::.*Connections.*\/index\/\*\]/,
    reason: 'DynamoDB grants include the table indexes; handlers query the byRoom GSI for a room roster.',
  },
  functionVersions: {
    pattern:
      /AwsSolutions-IAM5\[Resource::(<[A-Za-z0-9]*Function[A-Za-z0-9]*\.Arn>|\{"Fn::GetStackOutput":.*Function[A-Za-z0-9]*Arn[A-Za-z0-9]*"\}\}):\*\]/,
    reason: 'grantInvoke covers the function and its versions/aliases (ARN:*) of one named function.',
  },
  fleetGroup: {
    pattern:
      /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:\*:autoScalingGroupName\/<Fleet[A-Za-z0-9]*>\]/,
    reason:
      'Auto Scaling group ARNs contain a random UUID unknown at synth; the policy is pinned by the group name of this stack’s fleet.',
  },
} as const;

/** Acknowledges the named grant wildcards on `scope` and below. */
export function acknowledgeGrantWildcards(scope: IConstruct, ...kinds: (keyof typeof GRANT_WILDCARDS)[]): void {
  for (const kind of kinds)
    acknowledgeFindingPattern(scope, GRANT_WILDCARDS[kind].pattern, GRANT_WILDCARDS[kind].reason);
}

/**
 * aws-cdk-lib's own helper Lambdas, created once per stack at its top level (BucketDeployment, autoDeleteObjects,
 * bucket notifications, log retention, AwsCustomResource, the VPC default-SG restriction), by construct id.
 */
const CDK_HELPER_IDS = [
  /^Custom::CDKBucketDeployment/,
  /^Custom::S3AutoDeleteObjectsCustomResourceProvider$/,
  /^Custom::VpcRestrictDefaultSGCustomResourceProvider$/,
  /^BucketNotificationsHandler[0-9a-f]{32}$/,
  /^LogRetention[0-9a-f]{32}$/,
  /^AWS679f53fac002430cb0da5b7982bd2287$/,
];

/** The managed-policy and runtime findings every CDK-provided helper Lambda has, with why they are accepted. */
export const CDK_HELPER_FINDINGS = [
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'A CDK-provided helper Lambda: it uses the AWS-managed basic execution role (CloudWatch Logs only).',
  },
  {
    id: 'AwsSolutions-L1',
    reason: 'A CDK-provided helper Lambda: its runtime is pinned by aws-cdk-lib (house functions use Node.js 22).',
  },
];

/**
 * Acknowledges `findings` on each CDK helper Lambda of `stack` (call at the end of the stack's constructor, after
 * the constructs that create them), never on the stack itself: a new resource cannot hide behind these.
 */
export function acknowledgeCdkHelpers(stack: Stack, findings: readonly { id: string; reason: string }[]): void {
  for (const child of stack.node.children) {
    if (CDK_HELPER_IDS.some((id) => id.test(child.node.id))) Validations.of(child).acknowledge(...findings);
  }
}
