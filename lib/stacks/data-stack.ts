import {
  CfnOutput,
  CfnResource,
  CustomResource,
  CrossStackReferences,
  Duration,
  Names,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_ASSET_DIRECTORIES, FUNCTION_ENTRIES } from '../function-entries';
import { FunctionAlarms } from '../constructs/alarms';
import { recordingsCorsRule } from '../constructs/bucket-cors';
import { HouseFunction, PROJECT_ROOT } from '../constructs/house-function';
import { CDK_HELPER_FINDINGS, acknowledgeCdkHelpers, acknowledgeGrantWildcards } from '../nag';

/**
 * Aurora PostgreSQL engine, pinned to a long-term-support minor (16.8: AWS keeps LTS minors offered for about three
 * years; 16.3+ is needed for a minimum capacity of 0). To upgrade: check `aws rds describe-db-engine-versions
 * --engine aurora-postgresql --query 'DBEngineVersions[].EngineVersion'`, change this constant, run `npx cdk diff`,
 * deploy in a quiet hour (the writer restarts, ~1 min). docs/deployment.md, "Upgrading the database".
 */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_8;

/** Database name inside the Aurora cluster (DB_NAME). */
export const DATABASE_NAME = 'connectnow';

/** Properties of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  /** Subnets for Aurora and ElastiCache. */
  readonly privateSubnets: ec2.SubnetSelection;
  /**
   * Origins allowed by the recordings bucket's CORS rule (browser uploads and playback).
   * @default - no CORS rule here: the Web stack writes one naming the CloudFront origin (lib/constructs/bucket-cors.ts)
   */
  readonly corsOrigins?: string[];
  /** Keep the table, database (snapshot) and recordings when the stack is destroyed. */
  readonly retainData: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly alarmTopic: sns.ITopic;
  /** Create a secret for the Google OAuth client secret (value set by the operator, see docs/deployment.md). */
  readonly googleSignIn: boolean;
}

/**
 * Everything that holds data, apart from the stateless stacks so they can be destroyed and redeployed freely:
 * the connection registry, the durable records (Aurora via the Data API), live meeting state (Valkey), recordings,
 * and the secrets. Removal follows `retainData`.
 */
export class DataStack extends Stack {
  /** Connection registry (docs/contracts.md, "DynamoDB connection table"). */
  public readonly connectionsTable: dynamodb.TableV2;
  public readonly cluster: rds.DatabaseCluster;
  /** Credentials the Data API uses (DB_SECRET_ARN). */
  public readonly databaseSecret: secretsmanager.ISecret;
  public readonly recordingsBucket: s3.Bucket;
  /** ES256 signing keys `{kid, privateJwk, publicJwk}` (AUTH_KEYS_SECRET_ARN). */
  public readonly authKeysSecret: secretsmanager.Secret;
  /** Google OAuth client secret (GOOGLE_CLIENT_SECRET_ARN), when Google sign-in is configured. */
  public readonly googleClientSecret?: secretsmanager.Secret;
  /** `rediss://host:port` of the serverless Valkey cache (REDIS_URL). */
  public readonly redisUrl: string;
  /** Attach to a VPC Lambda to let it reach the cache. */
  public readonly cacheClientSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const statefulRemoval = props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.connectionsTable = new dynamodb.TableV2(this, 'Connections', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      globalSecondaryIndexes: [
        {
          indexName: 'byRoom',
          partitionKey: { name: 'roomId', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainData,
      removalPolicy: statefulRemoval,
    });

    const { cluster, secret } = this.createDatabase(props);
    this.cluster = cluster;
    this.databaseSecret = secret;

    const cache = this.createCache(props);
    this.cacheClientSecurityGroup = cache.clients;
    this.redisUrl = `rediss://${cache.resource.attrEndpointAddress}:${cache.resource.attrEndpointPort}`;

    this.recordingsBucket = this.createRecordingsBucket(props, statefulRemoval);

    this.authKeysSecret = new secretsmanager.Secret(this, 'AuthKeys', {
      description: 'Connect Now ES256 token signing keys {kid, privateJwk, publicJwk}; written once by AuthKeygen',
      // Losing the keys only signs everyone out, but keeping them avoids that on a stack replacement.
      removalPolicy: statefulRemoval,
    });
    const keygen = new HouseFunction(this, 'AuthKeygen', {
      entry: FUNCTION_ENTRIES.AuthKeygen,
      serviceName: 'auth-keygen',
      description: 'Custom resource: generates the ES256 signing key pair into the auth keys secret once',
      logRetention: props.logRetention,
    });
    this.authKeysSecret.grantRead(keygen.function);
    this.authKeysSecret.grantWrite(keygen.function);
    new FunctionAlarms(this, 'AuthKeygenAlarms', { function: keygen.function, topic: props.alarmTopic });
    const keygenProvider = new cr.Provider(this, 'AuthKeygenProvider', {
      onEventHandler: keygen.function,
      logGroup: new logs.LogGroup(this, 'AuthKeygenProviderLogs', { retention: props.logRetention }),
    });
    new CustomResource(this, 'AuthKeysValue', {
      serviceToken: keygenProvider.serviceToken,
      resourceType: 'Custom::AuthKeygen',
      properties: { SecretArn: this.authKeysSecret.secretArn },
    });

    if (props.googleSignIn) {
      this.googleClientSecret = new secretsmanager.Secret(this, 'GoogleClientSecret', {
        description: 'Google OAuth client secret for Connect Now sign-in; set its value after the first deploy',
        removalPolicy: statefulRemoval,
      });
      new CfnOutput(this, 'GoogleClientSecretArn', {
        value: this.googleClientSecret.secretArn,
        description: 'Put the Google OAuth client secret here (docs/deployment.md)',
      });
    }

    this.createMigrations(props);
    this.acknowledgeFindings(props.retainData);
    // The app's default is weak references (Fn::GetStackOutput), so stateless stacks deploy and delete freely. For
    // the records themselves that would be wrong: a Data update that replaced the table, the database, the bucket
    // or a secret would leave every consumer reading the old name until it happened to be redeployed. Strong
    // references (Export/ImportValue) make CloudFormation refuse such an update while a consumer still uses it.
    for (const stateful of [this.connectionsTable, this.cluster, this.recordingsBucket, this.authKeysSecret]) {
      CrossStackReferences.of(stateful).produce(ReferenceStrength.STRONG);
    }
    // The database credentials' attachment (cluster.secret), which every database function reads by ARN.
    const attachment = this.cluster.secret?.node.defaultChild;
    if (attachment instanceof CfnResource) attachment.applyCrossStackReferenceStrength(ReferenceStrength.STRONG);
  }

  /** Environment variables for the RDS Data API target (DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME). */
  public get databaseEnvironment(): Record<string, string> {
    return {
      DB_CLUSTER_ARN: this.cluster.clusterArn,
      DB_SECRET_ARN: this.databaseSecret.secretArn,
      DB_NAME: DATABASE_NAME,
    };
  }

  /** Lets `grantee` run SQL through the Data API: ExecuteStatement & co. on this cluster, and read its secret. */
  public grantDataApi(grantee: iam.IGrantable): void {
    this.cluster.grantDataApiAccess(grantee);
  }

  private createDatabase(props: DataStackProps): { cluster: rds.DatabaseCluster; secret: secretsmanager.ISecret } {
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      // The template says which version runs: an automatic minor upgrade would leave it behind the cluster, and the
      // next stack update would then ask RDS for a downgrade. Upgrades are a reviewed change of the constant.
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: false }),
      // Pauses to 0 ACU when no meeting touches the database: idle costs storage only. The first query after a
      // pause waits ~15 s for resume; handlers retry DatabaseResumingException.
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 4,
      serverlessV2AutoPauseDuration: Duration.minutes(10),
      // All SQL goes through the Data API (HTTPS + IAM): no Lambda holds a connection or needs the VPC for it.
      enableDataApi: true,
      defaultDatabaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('connectnow_admin'),
      storageEncrypted: true,
      vpc: props.vpc,
      vpcSubnets: props.privateSubnets,
      iamAuthentication: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: props.logRetention,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    if (!cluster.secret) throw new Error('Aurora cluster was created without a generated secret');
    // The credentials go with the data: a retained cluster (or its final snapshot) is of no use without them.
    // (cluster.secret is the attachment; the generated secret itself is the cluster's child `Secret`.)
    const generated = cluster.node.tryFindChild('Secret');
    if (!(generated instanceof secretsmanager.Secret)) throw new Error('Aurora generated secret not found');
    generated.applyRemovalPolicy(props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    return { cluster, secret: cluster.secret };
  }

  private createCache(props: DataStackProps): { resource: elasticache.CfnServerlessCache; clients: ec2.SecurityGroup } {
    const clients = new ec2.SecurityGroup(this, 'CacheClients', {
      vpc: props.vpc,
      description: 'Attached to Lambdas that use the Valkey cache',
      allowAllOutbound: true,
    });
    const cacheSecurityGroup = new ec2.SecurityGroup(this, 'CacheSecurityGroup', {
      vpc: props.vpc,
      description: 'Serverless Valkey: reachable from cache clients only',
      allowAllOutbound: false,
    });
    // 6379 is the primary endpoint, 6380 the reader endpoint of serverless caches.
    cacheSecurityGroup.addIngressRule(clients, ec2.Port.tcpRange(6379, 6380), 'Valkey from cache clients');
    const subnetIds = props.vpc.selectSubnets(props.privateSubnets).subnetIds;
    // Only an L1 exists for ElastiCache Serverless in aws-cdk-lib (no L2 yet). Serverless: no nodes to size,
    // TLS always on, pay per GB-hour and ECPU, and it scales with meeting load.
    const resource = new elasticache.CfnServerlessCache(this, 'Cache', {
      engine: 'valkey',
      majorEngineVersion: '8',
      // Names are required by the L1 and must be unique per region; derive one from the construct path.
      serverlessCacheName: Names.uniqueResourceName(this, { maxLength: 40, separator: '-' }).toLowerCase(),
      description: 'Connect Now live meeting state (chat ring buffers, polls, lobby, rate limits)',
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
      subnetIds,
      // Caps the bill if something floods it; live state for hundreds of rooms fits in well under 1 GB.
      cacheUsageLimits: {
        dataStorage: { maximum: 5, unit: 'GB' },
        ecpuPerSecond: { maximum: 50_000 },
      },
    });
    // Live state is rebuilt by the next message of each room; nothing in it is worth a snapshot.
    resource.applyRemovalPolicy(RemovalPolicy.DESTROY);
    return { resource, clients };
  }

  private createRecordingsBucket(props: DataStackProps, removalPolicy: RemovalPolicy): s3.Bucket {
    const accessLogs = new s3.Bucket(this, 'RecordingsAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the recordings bucket; logging it into itself would loop.',
    });
    return new s3.Bucket(this, 'Recordings', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'recordings/',
      // Left out entirely when the Web stack owns the rule, so no update of this stack can overwrite it.
      cors: props.corsOrigins ? [recordingsCorsRule(props.corsOrigins)] : undefined,
      lifecycleRules: [
        // Abandoned multipart uploads are billed as storage until aborted; a week leaves room to resume a file
        // upload (pending-uploads.ts) or finish a crashed meeting recording (crash-recovery.ts) days later.
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }

  private createMigrations(props: DataStackProps): void {
    const migrate = new HouseFunction(this, 'Migrate', {
      entry: FUNCTION_ENTRIES.Migrate,
      assetDirectories: FUNCTION_ASSET_DIRECTORIES.Migrate,
      serviceName: 'migrate',
      description: 'Custom resource: applies functions/migrate/migrations/*.sql through the Data API',
      environment: this.databaseEnvironment,
      logRetention: props.logRetention,
      // A paused cluster takes ~15 s to resume before the first statement.
    });
    this.grantDataApi(migrate.function);
    new FunctionAlarms(this, 'MigrateAlarms', { function: migrate.function, topic: props.alarmTopic });
    const provider = new cr.Provider(this, 'MigrateProvider', {
      onEventHandler: migrate.function,
      logGroup: new logs.LogGroup(this, 'MigrateProviderLogs', { retention: props.logRetention }),
    });
    const migrations = new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::Migrations',
      // Runs whenever a migration file changes (the runner skips applied ones, so a re-run is harmless).
      properties: { MigrationsHash: hashMigrations() },
    });
    migrations.node.addDependency(this.cluster);
  }

  private acknowledgeFindings(retainData: boolean): void {
    // The Provider framework invokes its onEvent function (ARN:*).
    acknowledgeGrantWildcards(this, 'functionVersions');
    acknowledgeCdkHelpers(this, [
      ...CDK_HELPER_FINDINGS,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The CDK LogRetention helper (Aurora log exports) calls logs:PutRetentionPolicy on log groups RDS creates at run time.',
      },
    ]);
    const database = Validations.of(this.cluster);
    database.acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Database credentials are only used by the Data API on behalf of IAM principals (no human or connection pool holds them).',
    });
    if (!retainData) {
      database.acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'retainData is false: this is a throwaway deployment, so deletion protection is deliberately off.',
      });
    }
    database.acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'Nothing connects to the database port: all SQL goes through the Data API, and the cluster is in private subnets.',
    });
    Validations.of(this.authKeysSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The auth key secret is rotated deliberately (a new key signs every user out), not on a schedule.',
    });
    // The Provider frameworks' own Lambdas are CDK-provided.
    for (const id of ['AuthKeygenProvider', 'MigrateProvider']) {
      Validations.of(this.node.findChild(id)).acknowledge(...CDK_HELPER_FINDINGS);
    }
  }
}

/** Hash of the migration files, so the Migrate custom resource re-runs exactly when one changes. */
function hashMigrations(): string {
  const dir = join(PROJECT_ROOT, 'functions/migrate/migrations');
  const hash = createHash('sha256');
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(dir, file)))
        .update('\0');
    }
  }
  return hash.digest('hex').slice(0, 32);
}
