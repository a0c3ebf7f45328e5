import { Annotations, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  BUNDLE_ALIASES,
  ESM_BANNER,
  EXTERNAL_MODULES,
  LAMBDA_NODE_TARGET,
  LOADERS,
  MAIN_FIELDS,
} from './bundling-settings';
import {
  DATABASE_FUNCTION_TIMEOUT_MARGIN_MS,
  DATABASE_RESUME_BUDGET_MS,
} from '../../functions/shared/sql/resume-budget';
import { FUNCTION_SETTINGS, type FunctionSettings } from '../function-entries';
import { copyNativeModulesCommands, nativeModuleFiles } from './native-modules';

/** Repository root: every `entry` is given relative to it (e.g. `functions/signaling/connect.ts`). */
export const PROJECT_ROOT = join(__dirname, '..', '..');

/** Properties of a {@link HouseFunction}. */
export interface HouseFunctionProps {
  /** Handler module relative to the repository root, exporting `handler`; e.g. `functions/api/handler.ts`. */
  readonly entry: string;
  /** Powertools service name, also used in alarm names and descriptions; e.g. `signaling`. */
  readonly serviceName: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Environment variables (names from docs/contracts.md).
   * @default - only the Powertools variables
   */
  readonly environment?: Record<string, string>;
  /**
   * Log retention of the function's own log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Only for functions outside the table; the project's own functions take theirs from FUNCTION_SETTINGS.
   * @default - FUNCTION_SETTINGS[id].timeoutSeconds, else 10 s
   */
  readonly timeout?: Duration;
  /**
   * Memory; on Lambda CPU scales with it, and 1024 MB is where bundled-SDK cold starts stop improving much.
   * @default - FUNCTION_SETTINGS[id].memoryMb, else 1024
   */
  readonly memorySize?: number;
  /**
   * VPC for functions that talk to ElastiCache; leave unset for everything else (no ENI, no NAT hop).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - private subnets with egress when `vpc` is set */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group when `vpc` is set */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Repository-relative directories the handler reads at run time (e.g. SQL migrations), copied beside
   * `index.mjs` under their base name.
   * @default - none
   */
  readonly assetDirectories?: readonly string[];
  /**
   * Instruction set. arm64 is the house default (cheaper per GB-second); a function whose native modules ship only
   * as x86_64 binaries on the build machines (sharp's prebuilt libvips as `npm ci` installs it here) takes x86_64.
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * npm packages loaded from node_modules beside the bundle instead of bundled (native binaries such as sharp, or a
   * large package only some requests import), copied with their dependencies and the binaries for `architecture`
   * (native-modules.ts).
   * @default - none
   */
  readonly nativeModules?: readonly string[];
}

/** Shortest timeout a function with the Data API environment may have: a resume and then its own work. */
export const DATABASE_FUNCTION_MIN_TIMEOUT = Duration.millis(
  DATABASE_RESUME_BUDGET_MS + DATABASE_FUNCTION_TIMEOUT_MARGIN_MS,
);

/** Refuses at synth a database-using function that would time out while Aurora resumes from a pause. */
function assertOutlastsDatabaseResume(id: string, props: HouseFunctionProps): void {
  if (!props.environment || !('DB_CLUSTER_ARN' in props.environment)) return;
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  if (timeout.toMilliseconds() < DATABASE_FUNCTION_MIN_TIMEOUT.toMilliseconds()) {
    throw new Error(
      `${id} uses the database (DB_CLUSTER_ARN) with a ${timeout.toSeconds()} s timeout: an Aurora resume can take ` +
        `${DATABASE_RESUME_BUDGET_MS / 1000} s (functions/shared/sql/resume-budget.ts), so give it at least ` +
        `${DATABASE_FUNCTION_MIN_TIMEOUT.toSeconds()} s (FUNCTION_SETTINGS in lib/function-entries.ts).`,
    );
  }
}

const DEFAULT_TIMEOUT = Duration.seconds(10);

/**
 * A function named in FUNCTION_SETTINGS takes its timeout and memory from there (the local runtime enforces the
 * same numbers); a stack that passes different ones is refused, so the two can never drift apart.
 */
function withTableSettings(id: string, props: HouseFunctionProps): HouseFunctionProps {
  const settings = (FUNCTION_SETTINGS as Partial<Record<string, FunctionSettings>>)[id];
  if (!settings) return props;
  if (props.timeout && props.timeout.toSeconds() !== settings.timeoutSeconds) {
    throw new Error(`${id}: timeout comes from FUNCTION_SETTINGS (${settings.timeoutSeconds} s); change it there`);
  }
  if (props.memorySize !== undefined && props.memorySize !== settings.memoryMb) {
    throw new Error(`${id}: memory comes from FUNCTION_SETTINGS (${settings.memoryMb} MB); change it there`);
  }
  return { ...props, timeout: Duration.seconds(settings.timeoutSeconds), memorySize: settings.memoryMb };
}

/**
 * A Node.js Lambda with the house defaults: Node.js 22 on arm64 (cheaper per GB-second than x86), an esbuild
 * bundle that is minified, source-mapped and carries its own AWS SDK (pinned versions, no cold-start resolution of
 * the runtime's copy), an explicit log group with retention (the implicit one never expires), active tracing and the
 * Powertools environment.
 */
export class HouseFunction extends Construct {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** The `serviceName` given in props. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, givenProps: HouseFunctionProps) {
    super(scope, id);
    const props = withTableSettings(id, givenProps);
    assertOutlastsDatabaseResume(id, props);
    const entry = join(PROJECT_ROOT, props.entry);
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    const nativeFiles = nativeModuleFiles(PROJECT_ROOT, props.nativeModules ?? [], {
      cpu: architecture === lambda.Architecture.X86_64 ? 'x64' : 'arm64',
    });
    this.serviceName = props.serviceName;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs are diagnostics, not records: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: resolveEntry(this, entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        // Stack traces point at TypeScript lines instead of minified columns.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        target: LAMBDA_NODE_TARGET,
        format: OutputFormat.ESM,
        banner: ESM_BANNER,
        bundleAwsSDK: true,
        externalModules: [...EXTERNAL_MODULES, ...(props.nativeModules ?? [])],
        loader: LOADERS,
        mainFields: MAIN_FIELDS,
        esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`) },
        // A bundle must never depend on a Docker engine (there is none on the build machines).
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...(props.assetDirectories ?? []).map(
              (dir) => `cp -R "${join(inputDir, dir)}" "${join(outputDir, basename(dir))}"`,
            ),
            ...copyNativeModulesCommands(nativeFiles, outputDir),
          ],
        },
      },
    });
    acknowledgeHouseFindings(this);
  }
}

/**
 * Context key for infra tests only: stand in a placeholder for handler modules that do not exist yet, so the
 * shape of the stacks can be asserted while the handlers are still being written. `cdk synth` never sets it.
 */
export const PLACEHOLDER_MISSING_ENTRIES_CONTEXT = 'connect-now:placeholderMissingEntries';

/** True in infra tests that asked for placeholders (the context value may arrive as a string from `-c`). */
export function placeholdersAllowed(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext(PLACEHOLDER_MISSING_ENTRIES_CONTEXT);
  return value === true || value === 'true';
}

/** A source file the synth needs (handler module, Dockerfile) does not exist; the message says which and why. */
export class MissingSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingSourceError';
  }
}

function resolveEntry(scope: Construct, entry: string): string {
  if (existsSync(entry)) return entry;
  if (placeholdersAllowed(scope)) {
    Annotations.of(scope).addWarningV2(
      'connect-now:missingEntry',
      `placeholder used for ${relative(PROJECT_ROOT, entry)}`,
    );
    return join(__dirname, 'missing-entry.ts');
  }
  // A missing handler module should name the file and its owner's contract, not fail deep inside esbuild.
  throw new MissingSourceError(
    `Lambda entry ${relative(PROJECT_ROOT, entry)} does not exist: create it (docs/contracts.md, "Lambda functions") ` +
      'or remove the function from lib/stacks.',
  );
}

/** cdk-nag findings every house function has by design, acknowledged once here with the reason. */
function acknowledgeHouseFindings(fn: HouseFunction): void {
  const validations = Validations.of(fn);
  validations.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'AWS-managed basic execution policy only grants CloudWatch Logs writes; it is the documented Lambda default.',
  });
  validations.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    reason: 'VPC functions need ENI management; this AWS-managed policy is the minimal documented set for it.',
  });
  validations.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing adds xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level scoping (Resource * is required).',
  });
  validations.acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the house runtime (docs/contracts.md); 24 is adopted deliberately after the handlers are tested on it.',
  });
}
