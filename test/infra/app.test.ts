import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORIGIN_VERIFY_HEADER as HEADER_THE_FUNCTION_CHECKS } from '../../functions/auth/client-ip';
import { SECURITY_HEADERS } from '../../functions/auth/security-headers';
import { runtimeConfigSchema } from '../../frontend/src/config';
import { acknowledgeGrantWildcards, ConnectNowNagChecks } from '../../lib/nag';
import { MonitoringStack } from '../../lib/stacks/monitoring-stack';
import { NetworkStack } from '../../lib/stacks/network-stack';
import { GPU_AMI_PARAMETER } from '../../lib/stacks/media-stack';
import { leaseKey, LEASES } from '../../functions/shared/lease-names';
import {
  DATABASE_FUNCTION_TIMEOUT_MARGIN_MS,
  DATABASE_RESUME_BUDGET_MS,
} from '../../functions/shared/sql/resume-budget';
import { SIGNAL_ROUTES } from '../../lib/stacks/realtime-stack';
import { ORIGIN_VERIFY_HEADER } from '../../lib/stacks/web-stack';
import { rendered } from './support/cfn-text';
import { statementsOfRole } from './support/iam-statements';
import { defaultApp, type SynthesizedApp } from './support/synth-app';
import { PEER_PING_INTERVAL_MS } from '../../functions/signaling/heartbeat';
import { FUNCTION_SETTINGS } from '../../lib/function-entries';
import { FLEET_METRICS_NAMESPACE, WORKER_BOOT_FAILED_METRIC } from '../../lib/stacks/media-stack';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown }>;

let built: SynthesizedApp;
beforeAll(() => {
  // GIVEN the app as `cdk synth` builds it from cdk.json (bundling skipped), synthesized once for every test here
  built = defaultApp();
});

const t = (name: Parameters<SynthesizedApp['template']>[0]): Template => built.template(name);

/** Logical id of the one resource of `type` whose properties match. */
function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0]!;
}

function roleOfFunction(template: Template, functionLogicalId: string): string {
  const fn = (template.findResources('AWS::Lambda::Function') as Resources)[functionLogicalId]!;
  return (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function functionIdByService(template: Template, service: string, description?: RegExp): string {
  const fns = template.findResources('AWS::Lambda::Function') as Resources;
  const ids = Object.entries(fns)
    .filter(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes(`"POWERTOOLS_SERVICE_NAME":"${service}"`),
    )
    .filter(([, f]) => !description || description.test(String(f.Properties.Description)))
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('DataStack', () => {
  test('the connection table has pk, TTL on ttl and the byRoom GSI exactly as docs/contracts.md', () => {
    t('data').hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byRoom',
          KeySchema: [
            { AttributeName: 'roomId', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  test('Aurora Serverless v2 pauses to 0 ACU, has the Data API on and is encrypted with credentials in Secrets Manager', () => {
    t('data').hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: Match.objectLike({ MinCapacity: 0 }),
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
      DatabaseName: 'connectnow',
      MasterUserPassword: { 'Fn::Join': ['', Match.arrayWith(['{{resolve:secretsmanager:'])] },
    });
  });

  test('the Aurora engine is pinned to one LTS minor, with no automatic minor upgrades behind the template', () => {
    const data = t('data');
    data.hasResourceProperties('AWS::RDS::DBCluster', { EngineVersion: '16.8' });
    data.hasResourceProperties('AWS::RDS::DBInstance', { AutoMinorVersionUpgrade: false });
  });

  test('the database credentials are retained with the data (retainData, the default)', () => {
    const data = t('data');
    const secrets = data.findResources('AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: Match.stringLikeRegexp('connectnow_admin') }),
      },
    }) as Record<string, { DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
    expect(Object.values(secrets)).toEqual([
      expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }),
    ]);
  });

  test('serverless Valkey sits in the VPC behind a security group that only cache clients reach', () => {
    t('data').hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      SubnetIds: Match.anyValue(),
      SecurityGroupIds: Match.anyValue(),
    });
    t('data').hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379,
      ToPort: 6380,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CacheClients'), 'GroupId'] },
    });
  });

  test('the recordings bucket is private, encrypted, SSL-only and aborts stale multipart uploads', () => {
    const data = t('data');
    const bucketId = logicalIdOf(data, 'AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'recordings/' }),
    });
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'recordings/' }),
      // Without a custom domain the Web stack owns the CORS rule (it alone knows the CloudFront domain); a rule
      // here would be rewritten by every update of this stack.
      CorsConfiguration: Match.absent(),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })]),
      },
    });
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('the auth keys secret is filled by the keygen custom resource, which alone may write it', () => {
    const data = t('data');
    const secretId = logicalIdOf(data, 'AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('signing keys'),
    });
    data.hasResourceProperties('Custom::AuthKeygen', { SecretArn: { Ref: secretId } });
    const keygenRole = roleOfFunction(data, functionIdByService(data, 'auth-keygen'));
    const writes = statementsOfRole(data, keygenRole).filter((s) =>
      s.actions.includes('secretsmanager:PutSecretValue'),
    );
    expect(writes).toEqual([expect.objectContaining({ resource: { Ref: secretId } })]);
    // No other role in the stack can write it.
    const policies = Object.values(data.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
      JSON.stringify(p.Properties).includes('secretsmanager:PutSecretValue'),
    );
    expect(policies).toHaveLength(1);
  });
});

describe('RealtimeStack', () => {
  test('$connect carries the Lambda REQUEST authorizer reading the Sec-WebSocket-Protocol header, not the URL', () => {
    const rt = t('realtime');
    const authorizerId = logicalIdOf(rt, 'AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.header.Sec-WebSocket-Protocol'],
    });
    rt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionIdByService(rt, 'ws-authorizer'), 'Arn'] }])],
      }),
    });
    rt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  test('HEARTBEAT is answered by a mock integration, never a Lambda', () => {
    const rt = t('realtime');
    const integrationId = logicalIdOf(rt, 'AWS::ApiGatewayV2::Integration', { IntegrationType: 'MOCK' });
    rt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'HEARTBEAT',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
  });

  test.each([
    ['$connect', 'WsConnectFunction'],
    ['$disconnect', 'WsDisconnectFunction'],
    ['$default', 'RoomSocketFunction'],
    ...SIGNAL_ROUTES.map((r) => [r, 'SignalRelayFunction'] as [string, string]),
  ])('route %s invokes %s', (routeKey, functionPrefix) => {
    const rt = t('realtime');
    const route = Object.values(
      rt.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }) as Resources,
    )[0]!;
    const integrationRef = JSON.stringify(route.Properties.Target).match(/"Ref":"([^"]+)"/)![1]!;
    const integration = (rt.findResources('AWS::ApiGatewayV2::Integration') as Resources)[integrationRef]!;
    expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toMatch(
      new RegExp(`"${functionPrefix}[A-F0-9]{8}","Arn"`),
    );
  });

  test('the stage is named peerjs, auto-deploys, is throttled and writes access logs', () => {
    t('realtime').hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'peerjs',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: Match.anyValue(),
        ThrottlingBurstLimit: Match.anyValue(),
      }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('connectionId') },
    });
  });

  test('WsConnect may invoke the opener asynchronously and knows its name', () => {
    const rt = t('realtime');
    const connect = functionIdByService(rt, 'signaling', /^\$connect/);
    rt.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^\\$connect'),
      Environment: {
        Variables: Match.objectLike({ OPENER_FUNCTION_NAME: { Ref: Match.stringLikeRegexp('^PeerOpenerFunction') } }),
      },
    });
    const invokes = statementsOfRole(rt, roleOfFunction(rt, connect)).filter((s) =>
      s.actions.includes('lambda:InvokeFunction'),
    );
    expect(JSON.stringify(invokes)).toMatch(/PeerOpenerFunction/);
  });

  test('only functions that keep live state in Valkey run in the VPC, and they get REDIS_URL', () => {
    const fns = Object.values(t('realtime').findResources('AWS::Lambda::Function') as Resources).filter((f) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('POWERTOOLS_SERVICE_NAME'),
    );
    for (const fn of fns) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Boolean(fn.Properties.VpcConfig)).toBe('REDIS_URL' in env);
    }
    expect(fns.filter((f) => f.Properties.VpcConfig)).toHaveLength(4);
  });

  test('every function that uses Valkey reaches it over TLS as a cluster (ElastiCache Serverless is cluster mode)', () => {
    const users = (['realtime', 'api'] as const).flatMap((stack) =>
      Object.values(t(stack).findResources('AWS::Lambda::Function') as Resources)
        .map((f) => (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables)
        .filter((env): env is Record<string, unknown> => Boolean(env && 'REDIS_URL' in env)),
    );
    expect(users.length).toBeGreaterThanOrEqual(4);
    for (const env of users) {
      expect(env.REDIS_CLUSTER).toBe('true');
      expect(JSON.stringify(env.REDIS_URL)).toMatch(/^\{"Fn::Join":\["",\["rediss:\/\//);
    }
  });

  test('the authorizer reads the auth keys secret only (GetSecretValue/DescribeSecret), and the relay reads no secret', () => {
    const rt = t('realtime');
    const authorizerStatements = statementsOfRole(rt, roleOfFunction(rt, functionIdByService(rt, 'ws-authorizer')));
    const secretStatements = authorizerStatements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0]!.actions.sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(JSON.stringify(secretStatements[0]!.resource)).toMatch(/AuthKeys/);
    const relay = functionIdByService(rt, 'signaling', /Relays PeerJS/);
    const relayActions = statementsOfRole(rt, roleOfFunction(rt, relay)).flatMap((s) => s.actions);
    expect(relayActions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });
});

describe('ApiStack', () => {
  test('ANY /api/{proxy+} reaches the HttpApi Lambda with payload v2 on a throttled, logged $default stage', () => {
    const api = t('api');
    // The Avatar function has routes of its own (test/infra/avatars.test.ts); this is the proxy's integration.
    const integrationId = logicalIdOf(api, 'AWS::ApiGatewayV2::Integration', {
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionIdByService(api, 'api'), 'Arn'] },
    });
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /api/{proxy+}',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: Match.anyValue() }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  test('browsers get a STUN server (never a PeerJS public one) through ICE_SERVERS_JSON', () => {
    t('api').hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ ICE_SERVERS_JSON: JSON.stringify([{ urls: ['stun:stun.l.google.com:19302'] }]) }),
      },
    });
  });
});

describe('MediaStack', () => {
  test('an object created under uploads/ triggers Transcode (a container image Lambda)', () => {
    const media = t('media');
    const transcodeId = functionIdByService(media, 'recordings-transcode');
    media.hasResourceProperties('AWS::Lambda::Function', { PackageType: 'Image', Architectures: ['arm64'] });
    media.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [transcodeId, 'Arn'] },
          },
        ],
      },
    });
  });

  test.each(['Transcribe', 'BurnIn'])(
    'the %s queue is encrypted, SSL-only and redrives to its DLQ after 3 receives',
    (name) => {
      const media = t('media');
      const queues = media.findResources('AWS::SQS::Queue') as Resources;
      const queueId = Object.keys(queues).find((id) => id.startsWith(`${name}Queue`))!;
      const dlq = Object.keys(queues).find((id) => id.startsWith(`${name}DeadLetters`))!;
      expect(queues[queueId]!.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 },
      });
      for (const id of [queueId, dlq]) {
        media.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
      media.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        AlarmActions: Match.anyValue(),
      });
      media.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      });
    },
  );

  test('the GPU fleet may launch any of several GPU types, and a failed boot reports itself and is replaced', () => {
    const media = t('media');
    const group = Object.values(media.findResources('AWS::AutoScaling::AutoScalingGroup') as Resources)[0]!;
    const policy = group.Properties.MixedInstancesPolicy as {
      LaunchTemplate: { Overrides: { InstanceType: string }[] };
      InstancesDistribution: Record<string, unknown>;
    };
    expect(policy.LaunchTemplate.Overrides.map((o) => o.InstanceType)).toEqual([
      'g4dn.xlarge',
      'g5.xlarge',
      'g6.xlarge',
    ]);
    expect(policy.InstancesDistribution).toMatchObject({ SpotAllocationStrategy: 'price-capacity-optimized' });
    const templates = media.findResources('AWS::EC2::LaunchTemplate') as Resources;
    const userData = JSON.stringify(
      Object.values(templates).map((tpl) => (tpl.Properties.LaunchTemplateData as { UserData: unknown }).UserData),
    );
    // No bare `set -e`: every network step retries, and a step that still fails reports and asks to be replaced.
    expect(userData).not.toMatch(/set -euo pipefail/);
    for (const step of ['retry docker info', 'retry docker pull', 'fail \\"image pull\\"', 'set-instance-health']) {
      expect([step, userData.includes(step)]).toEqual([step, true]);
    }
    expect(userData).toContain(`--metric-name ${WORKER_BOOT_FAILED_METRIC}`);
    media.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: FLEET_METRICS_NAMESPACE,
      MetricName: WORKER_BOOT_FAILED_METRIC,
      AlarmActions: Match.anyValue(),
    });
    // "Launched, but no worker polls": instances in service while the oldest job keeps waiting.
    media.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmRule: Match.anyValue(),
      AlarmActions: Match.anyValue(),
    });
    // The boot report may only write its own namespace and set the health of its own group.
    media.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'cloudwatch:PutMetricData',
            Condition: { StringEquals: { 'cloudwatch:namespace': FLEET_METRICS_NAMESPACE } },
          }),
        ]),
      }),
    });
  });

  test('the GPU fleet starts at zero from a launch template with IMDSv2, encrypted EBS and the SSM GPU AMI', () => {
    const media = t('media');
    const templateId = logicalIdOf(media, 'AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 'g4dn.xlarge' }),
    });
    media.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '2',
      // The scaler cancels booting instances by lowering desired capacity: the newest must be the one to go.
      TerminationPolicies: ['NewestInstance'],
      MixedInstancesPolicy: Match.objectLike({
        LaunchTemplate: Match.objectLike({
          LaunchTemplateSpecification: Match.objectLike({ LaunchTemplateId: { Ref: templateId } }),
        }),
      }),
    });
    media.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
      }),
    });
    // The AMI is a CloudFormation SSM parameter: resolved at deploy, no lookup at synth.
    const params = media.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    expect(Object.values(params)).toContainEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: GPU_AMI_PARAMETER,
    });
  });

  test('the recordings lifecycle sweep runs every 5 minutes and may retry Transcode, re-send jobs and free uploads', () => {
    const media = t('media');
    const sweep = functionIdByService(media, 'recordings-sweep');
    media.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweep, 'Arn'] } })],
    });
    const transcode = functionIdByService(media, 'recordings-transcode');
    media.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ TRANSCODE_FUNCTION_NAME: { Ref: transcode } }),
      },
      Handler: Match.anyValue(),
    });
    const actions = statementsOfRole(media, roleOfFunction(media, sweep)).flatMap((s) => s.actions);
    expect(actions).toEqual(
      expect.arrayContaining(['lambda:InvokeFunction', 'sqs:SendMessage', 's3:Abort*', 'rds-data:ExecuteStatement']),
    );
    expect(actions).not.toContain('s3:DeleteObject*');
  });

  test('the Scaler runs every minute and may only read the queue depth and size its own fleet', () => {
    const media = t('media');
    const scaler = functionIdByService(media, 'recordings-scaler');
    media.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [scaler, 'Arn'] } })],
    });
    const statements = statementsOfRole(media, roleOfFunction(media, scaler));
    const byAction = Object.fromEntries(statements.flatMap((s) => s.actions.map((a) => [a, s.resource])));
    expect(Object.keys(byAction).sort()).toEqual([
      'autoscaling:CreateOrUpdateTags',
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:SetDesiredCapacity',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'sqs:GetQueueAttributes',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(JSON.stringify(byAction['autoscaling:SetDesiredCapacity'])).toMatch(
      /autoScalingGroupName\/",\{"Ref":"FleetASG/,
    );
    expect(byAction['sqs:GetQueueAttributes']).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TranscribeQueue/), 'Arn'],
    });
    // The table only for the scaler lease's own item (functions/shared/lease.ts).
    const lease = statements.find((s) => s.actions.includes('dynamodb:PutItem'))!;
    expect(lease.actions.sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
    const leaseStatement = (
      Object.values(media.findResources('AWS::IAM::Policy')) as {
        Properties: { PolicyDocument: { Statement: { Action: unknown; Condition?: unknown }[] } };
      }[]
    )
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((s) => JSON.stringify(s.Action).includes('dynamodb:PutItem'));
    expect(leaseStatement?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [leaseKey(LEASES.scaler)] },
    });
    media.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'recordings-scaler',
          CONNECTIONS_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  test('every function that reaches the database outlasts an Aurora resume (its timeout ≥ the retry budget + margin)', () => {
    const needed = (DATABASE_RESUME_BUDGET_MS + DATABASE_FUNCTION_TIMEOUT_MARGIN_MS) / 1000;
    const checked: string[] = [];
    for (const name of Object.keys(built.stacks) as (keyof typeof built.stacks)[]) {
      const fns = t(name).findResources('AWS::Lambda::Function') as Resources;
      for (const [id, fn] of Object.entries(fns)) {
        const env = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
        if (!env || !('DB_CLUSTER_ARN' in env)) continue;
        checked.push(id);
        // Lambda's default is 3 s when Timeout is absent.
        expect([id, (fn.Properties.Timeout as number | undefined) ?? 3]).toEqual([id, expect.any(Number)]);
        expect([id, ((fn.Properties.Timeout as number | undefined) ?? 3) >= needed]).toEqual([id, true]);
      }
    }
    // RoomSocket, WsDisconnect, HttpApi, Migrate, Transcode, BurnIn and the sweep at least.
    expect(checked.length).toBeGreaterThanOrEqual(6);
  });

  test('every function deploys the timeout and memory of FUNCTION_SETTINGS, the table the local runtime enforces', () => {
    const names = Object.keys(FUNCTION_SETTINGS) as (keyof typeof FUNCTION_SETTINGS)[];
    const seen = new Set<string>();
    for (const stack of Object.keys(built.stacks) as (keyof typeof built.stacks)[]) {
      const fns = t(stack).findResources('AWS::Lambda::Function') as Resources;
      for (const [id, fn] of Object.entries(fns)) {
        // HouseFunction `X` synthesizes as `XFunction…`, a container function `X` as `X…`.
        const name = names.find((n) => new RegExp(`^${n}(Function)?[0-9A-F]{8}$`).test(id));
        if (!name) continue;
        seen.add(name);
        const settings = FUNCTION_SETTINGS[name];
        expect([id, fn.Properties.Timeout, fn.Properties.MemorySize]).toEqual([
          id,
          settings.timeoutSeconds,
          settings.memoryMb,
        ]);
      }
    }
    expect([...seen].sort()).toEqual([...names].sort());
  });

  test('references to the stateful Data stack are strong (Export/ImportValue): replacing a record fails the deploy instead of leaving consumers stale', () => {
    const exported = Object.values((t('data').toJSON().Outputs ?? {}) as Record<string, { Export?: unknown }>).filter(
      (o) => o.Export,
    );
    expect(exported.length).toBeGreaterThan(0);
    const consumers = JSON.stringify([t('realtime').toJSON(), t('api').toJSON(), t('media').toJSON()]);
    expect(consumers).toMatch(/"Fn::ImportValue":"ConnectNow-Data:/);
    // Nothing reads the Data stack's records (table, database and its secret, bucket, auth keys) through a weak
    // output any more; the cache endpoint and its client security group may stay weak (nothing durable).
    const weak = [
      ...consumers.matchAll(/"StackName":"ConnectNow-Data","Region":\{[^}]*\},"OutputName":"([^"]+)"/g),
    ].map((m) => m[1]);
    expect(weak.filter((name) => /Connections|Database|Recordings|AuthKeys/.test(name!))).toEqual([]);
  });

  test('cdk-nag acknowledgements name single resources, never a whole stack (a new resource cannot hide behind one)', () => {
    const onStacks: string[] = [];
    for (const stack of Object.values(built.stacks)) {
      for (const entry of stack.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        // Ours are the cdk-nag rules (aws-cdk-lib acknowledges some CloudFormation checks on stacks itself).
        const ids = Object.keys(entry.data as Record<string, string>).filter((id) => id.includes('AwsSolutions-'));
        if (ids.length > 0) onStacks.push(`${stack.stackName}: ${ids.join(', ')}`);
      }
    }
    expect(onStacks).toEqual([]);
  });

  test('no function reserves concurrency: accounts whose concurrency quota is 10 can reserve none', () => {
    for (const name of Object.keys(built.stacks) as (keyof typeof built.stacks)[]) {
      const fns = t(name).findResources('AWS::Lambda::Function') as Resources;
      for (const [id, fn] of Object.entries(fns)) {
        expect([id, fn.Properties.ReservedConcurrentExecutions]).toEqual([id, undefined]);
      }
    }
  });

  test('BurnIn runs the FFmpeg image with its own CMD and consumes the burn-in queue reporting partial batch failures', () => {
    const media = t('media');
    media.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      ImageConfig: { Command: ['burn-in.handler'] },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'recordings-burn-in' }) },
    });
    media.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionIdByService(media, 'recordings-burn-in') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BurnInQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the worker role may protect instances of its own fleet only', () => {
    t('media').hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'autoscaling:SetInstanceProtection',
            Resource: Match.objectLike({
              'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^FleetASG') }])],
            }),
          }),
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^WorkerRole') }],
    });
  });
});

describe('WebStack', () => {
  test('CloudFront reads the private site bucket through Origin Access Control', () => {
    const web = t('web');
    // Two OACs: the site bucket's and the avatars bucket's (test/infra/avatars.test.ts).
    const oacs = Object.keys(
      web.findResources('AWS::CloudFront::OriginAccessControl', {
        Properties: {
          OriginAccessControlConfig: Match.objectLike({
            OriginAccessControlOriginType: 's3',
            SigningBehavior: 'always',
          }),
        },
      }),
    );
    const distribution = Object.values(web.findResources('AWS::CloudFront::Distribution') as Resources)[0]!;
    const { Origins } = distribution.Properties.DistributionConfig as {
      Origins: { DomainName: unknown; OriginAccessControlId?: unknown }[];
    };
    const site = Origins.find((o) => JSON.stringify(o.DomainName).includes('"Site'))!;
    expect(oacs).toContain((site.OriginAccessControlId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
  });

  test('/api/* and /peerjs* forward every viewer header except Host, uncached', () => {
    const allViewerExceptHost = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
    const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
    t('web').hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({
            PathPattern: '/api/*',
            OriginRequestPolicyId: allViewerExceptHost,
            CachePolicyId: cachingDisabled,
          }),
          Match.objectLike({
            PathPattern: '/peerjs*',
            OriginRequestPolicyId: allViewerExceptHost,
            CachePolicyId: cachingDisabled,
          }),
        ]),
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
      }),
    });
  });

  test('the response headers policy carries the CSP, HSTS, frame and referrer headers from security-headers.ts', () => {
    t('web').hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
            Preload: true,
            Override: true,
          },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: SECURITY_HEADERS['referrer-policy'], Override: true },
          ContentTypeOptions: { Override: true },
        },
      }),
    });
    // The CSP is the house one plus the recordings bucket (presigned uploads and playback), and nothing else.
    const policy = Object.values(t('web').findResources('AWS::CloudFront::ResponseHeadersPolicy') as Resources)[0]!;
    const csp = JSON.stringify(
      (policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: unknown }).SecurityHeadersConfig,
    );
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
    expect(csp).toMatch(/connect-src 'self' https:\/\/"/);
    expect(csp).toMatch(/RecordingsBucket|Recordings/);
    expect(SECURITY_HEADERS['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(SECURITY_HEADERS['content-security-policy']).not.toMatch(/unsafe-inline/);
  });

  test('the SPA fallback serves index.html for client routes and leaves files alone', () => {
    const fn = Object.values(t('web').findResources('AWS::CloudFront::Function') as Resources)[0]!;
    const code = fn.Properties.FunctionCode as string;
    // CloudFront Functions are plain JavaScript with a global `handler`; evaluate it as CloudFront would.
    const handler = new Function(`${code}; return handler;`)() as (e: unknown) => { uri: string };
    const rewrite = (uri: string) => handler({ request: { uri, headers: {} } }).uri;
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/r/quiet-otter-42')).toBe('/index.html');
    expect(rewrite('/recordings')).toBe('/index.html');
    expect(rewrite('/assets/app-ABC123.js')).toBe('/assets/app-ABC123.js');
    expect(rewrite('/config.json')).toBe('/config.json');
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
  });

  test('config.json is written by CDK with same-origin URLs the frontend schema accepts', () => {
    const deployments = Object.values(t('web').findResources('Custom::CDKBucketDeployment') as Resources);
    const root = deployments.find((d) => Array.isArray(d.Properties.SourceMarkers))!;
    const markers = Object.assign({}, ...(root.Properties.SourceMarkers as Record<string, unknown>[])) as Record<
      string,
      unknown
    >;
    const configFile = readdirSync(built.app.outdir)
      .map((dir) => join(built.app.outdir, dir, 'config.json'))
      .find((file) => existsSync(file))!;
    let text = readFileSync(configFile, 'utf8');
    // Deploy-time values (the distribution domain) are markers until CloudFormation resolves them.
    for (const [marker, value] of Object.entries(markers)) {
      expect(value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Distribution/), 'DomainName'] });
      text = text.split(marker).join('d111111abcdef8.cloudfront.net');
    }
    const config = runtimeConfigSchema.parse(JSON.parse(text));
    expect(config).toEqual({
      apiBase: '/api',
      wsUrl: 'wss://d111111abcdef8.cloudfront.net/peerjs',
      peer: {
        host: 'd111111abcdef8.cloudfront.net',
        port: 443,
        path: '/',
        secure: true,
        key: 'peerjs',
        // The same heartbeat the local cloud writes and the cost model assumes (one home).
        pingInterval: PEER_PING_INTERVAL_MS,
      },
      maxParticipants: 8,
    });
    // index.html and config.json are revalidated on every load; hashed assets are immutable.
    expect(root.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(deployments.find((d) => d !== root)!.Properties).toMatchObject({
      Include: ['assets/*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
  });
});

describe('per-IP limits behind CloudFront', () => {
  const distributionConfig = () =>
    Object.values(t('web').findResources('AWS::CloudFront::Distribution') as Resources)[0]!.Properties
      .DistributionConfig as {
      CacheBehaviors: { PathPattern: string; TargetOriginId: string; OriginRequestPolicyId: string }[];
      Origins: { Id: string; OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[];
    };
  const apiOrigin = () => {
    const config = distributionConfig();
    const behavior = config.CacheBehaviors.find((b) => b.PathPattern === '/api/*')!;
    return { behavior, origin: config.Origins.find((o) => o.Id === behavior.TargetOriginId)! };
  };

  test('/api/* keeps the managed policy documented to forward CloudFront-Viewer-Address (and Authorization, not Host)', () => {
    // "Use managed origin request policies", AllViewerExceptHostHeader: every viewer header but Host, plus the
    // device-type and viewer-location CloudFront headers, CloudFront-Viewer-Address among them. Switching to a
    // policy without it silently turns every per-IP limit into a per-edge-server limit.
    expect(apiOrigin().behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
  });

  test('CloudFront sends the API its origin secret, resolved from Secrets Manager at deploy, in the header the function checks', () => {
    const web = t('web');
    const secretId = logicalIdOf(web, 'AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp(ORIGIN_VERIFY_HEADER),
    });
    web.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
    });
    expect(ORIGIN_VERIFY_HEADER).toBe(HEADER_THE_FUNCTION_CHECKS);
    const headers = apiOrigin().origin.OriginCustomHeaders ?? [];
    expect(headers.map((h) => [h.HeaderName, rendered(h.HeaderValue)])).toEqual([
      [ORIGIN_VERIFY_HEADER, `{{resolve:secretsmanager:<${secretId}>:SecretString:::}}`],
    ]);
  });

  test('only the API origin gets the secret: the S3 and WebSocket origins never see it', () => {
    const { origin } = apiOrigin();
    const others = distributionConfig().Origins.filter((o) => o.Id !== origin.Id);
    // The site bucket, the avatars bucket and the WebSocket API.
    expect(others).toHaveLength(3);
    for (const other of others) expect(other.OriginCustomHeaders).toBeUndefined();
  });

  test('the HttpApi function knows where the secret is and may read it', () => {
    const api = t('api');
    const fnId = functionIdByService(api, 'api');
    const fn = (api.findResources('AWS::Lambda::Function') as Resources)[fnId]!;
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(rendered(env.ORIGIN_VERIFY_SECRET_ARN)).toMatch(/^<output:.*OriginVerifySecret.*>$/);
    const reads = statementsOfRole(api, roleOfFunction(api, fnId)).filter((s) =>
      s.actions.includes('secretsmanager:GetSecretValue'),
    );
    const resources = reads.flatMap((s) => ([] as unknown[]).concat(s.resource).map(rendered));
    expect(resources).toContain(rendered(env.ORIGIN_VERIFY_SECRET_ARN));
  });
});

describe('recordings bucket CORS without a custom domain', () => {
  const putBucketCors = () => {
    const crs = Object.values(t('web').findResources('Custom::AWS') as Resources).filter((r) =>
      rendered(r.Properties.Create).includes('"action":"PutBucketCors"'),
    );
    expect(crs).toHaveLength(1);
    return crs[0]!;
  };
  const distributionId = () => Object.keys(t('web').findResources('AWS::CloudFront::Distribution'))[0]!;

  test("the Web stack allows exactly the distribution's https origin, on create and on update", () => {
    const cr = putBucketCors();
    for (const call of [cr.Properties.Create, cr.Properties.Update]) {
      const text = rendered(call);
      expect(text).toContain(`"AllowedOrigins":["https://<${distributionId()}.DomainName>"]`);
      expect(text).toContain('"AllowedMethods":["PUT","POST","GET","HEAD"]');
      expect(text).toContain('"ExposeHeaders":["ETag"]');
      // A strong reference into the stateful Data stack (lib/stacks/data-stack.ts): an Export/ImportValue pair.
      expect(text).toMatch(/"Bucket":"\{"Fn::ImportValue":"ConnectNow-Data:ExportsOutputRefRecordings/);
    }
  });

  test('no template allows any origin (*) on the recordings bucket', () => {
    expect(rendered(putBucketCors().Properties.Create)).not.toMatch(/"AllowedOrigins":\[[^\]]*"\*"/);
    for (const bucket of Object.values(t('data').findResources('AWS::S3::Bucket') as Resources)) {
      const rules = (bucket.Properties.CorsConfiguration as { CorsRules: { AllowedOrigins: unknown[] }[] } | undefined)
        ?.CorsRules;
      for (const rule of rules ?? []) expect(rule.AllowedOrigins).not.toContain('*');
    }
  });

  test('the custom resource may call s3:PutBucketCORS on the recordings bucket and nothing else', () => {
    const web = t('web');
    const serviceToken = rendered(putBucketCors().Properties.ServiceToken).replace(/^<|\.Arn>$/g, '');
    const role = roleOfFunction(web, serviceToken);
    const statements = statementsOfRole(web, role);
    expect(statements.map((s) => [s.actions, rendered(s.resource)])).toEqual([
      [
        ['s3:PutBucketCORS'],
        expect.stringMatching(/^\{"Fn::ImportValue":"ConnectNow-Data:ExportsOutputFnGetAttRecordings[A-Za-z0-9]*Arn/),
      ],
    ]);
  });
});

describe('every function', () => {
  test('house functions run Node.js 22 on arm64 with tracing and a log group kept 30 days; each has error and throttle alarms', () => {
    let houseFunctions = 0;
    for (const name of ['data', 'realtime', 'media', 'api'] as const) {
      const template = t(name);
      const fns = template.findResources('AWS::Lambda::Function') as Resources;
      const logGroups = template.findResources('AWS::Logs::LogGroup') as Resources;
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources);
      for (const [id, fn] of Object.entries(fns)) {
        const isHouse = JSON.stringify(fn.Properties.Environment ?? {}).includes('POWERTOOLS_SERVICE_NAME');
        if (!isHouse) continue;
        houseFunctions += 1;
        // The Avatar function alone runs x86_64: sharp's native binaries (test/infra/avatars.test.ts).
        const isAvatar = JSON.stringify(fn.Properties.Environment).includes('"POWERTOOLS_SERVICE_NAME":"avatar"');
        expect(fn.Properties).toMatchObject({
          Architectures: [isAvatar ? 'x86_64' : 'arm64'],
          TracingConfig: { Mode: 'Active' },
        });
        if (fn.Properties.PackageType !== 'Image') expect(fn.Properties.Runtime).toBe('nodejs22.x');
        const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(logGroups[logGroupId]!.Properties.RetentionInDays).toBe(30);
        for (const metric of ['Errors', 'Throttles']) {
          const alarm = alarms.find(
            (a) =>
              a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`{"Ref":"${id}"}`),
          );
          expect({ id, metric, alarm: Boolean(alarm) }).toEqual({ id, metric, alarm: true });
        }
      }
    }
    // 6 realtime + HttpApi, Avatar + Transcode, Scaler, BurnIn, RecordingsSweep + AuthKeygen, Migrate
    expect(houseFunctions).toBe(14);
  });

  test('every function’s environment stays inside Lambda’s 4 KB, with each deploy-time value as long as an ARN gets', () => {
    // Lambda refuses a function whose variables pass 4 KB in all ("exceeded the 4KB limit"): a first deploy would
    // stop there, and no local run sees it. A token (Ref, GetAtt, import) becomes an ARN, URL or name at deploy
    // time; 160 characters is above any of ours in a long region and stack name. Pseudo parameters are as long as
    // their longest value.
    const PSEUDO: Record<string, number> = {
      'AWS::Region': 'ap-southeast-5'.length,
      'AWS::AccountId': 12,
      'AWS::Partition': 'aws-us-gov'.length,
      'AWS::URLSuffix': 'amazonaws.com.cn'.length,
    };
    const deployed = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const v = value as Record<string, unknown>;
      if (v['Fn::Join']) {
        const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
        return parts.map(deployed).join(sep);
      }
      return 'x'.repeat(PSEUDO[v.Ref as string] ?? 160);
    };
    const sizes: [string, number][] = [];
    for (const name of ['network', 'data', 'realtime', 'media', 'api', 'web', 'monitoring'] as const) {
      const fns = t(name).findResources('AWS::Lambda::Function') as Resources;
      for (const [id, fn] of Object.entries(fns)) {
        const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
        const env = Object.fromEntries(Object.entries(variables ?? {}).map(([k, v]) => [k, deployed(v)]));
        sizes.push([id, Buffer.byteLength(JSON.stringify(env))]);
      }
    }
    expect(sizes.length).toBeGreaterThanOrEqual(14);
    expect(sizes.filter(([, bytes]) => bytes > 4096)).toEqual([]);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions reports zero unacknowledged findings for the whole app', () => {
    const report = new ConnectNowNagChecks(built.app).validateScope(built.app);
    expect(
      report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });
});

describe('NetworkStack NAT modes', () => {
  const natResources = (natMode: 'instance' | 'gateway' | 'none') => {
    const stack = new NetworkStack(new App(), 'Net', { natMode, logRetention: logs.RetentionDays.ONE_WEEK });
    const template = Template.fromStack(stack);
    return {
      template,
      instances: Object.keys(template.findResources('AWS::EC2::Instance')).length,
      gateways: Object.keys(template.findResources('AWS::EC2::NatGateway')).length,
    };
  };

  test('GIVEN the default THEN one t4g.nano NAT instance and no NAT gateway; S3 and DynamoDB via gateway endpoints', () => {
    const { template, instances, gateways } = natResources('instance');
    expect({ instances, gateways }).toEqual({ instances: 1, gateways: 0 });
    template.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't4g.nano', SourceDestCheck: false });
    expect(
      Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } })),
    ).toHaveLength(2);
    // No execute-api interface endpoint: with private DNS it would break @connections calls from the VPC.
    expect(
      Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })),
    ).toHaveLength(0);
  });

  test('GIVEN natMode gateway THEN a managed NAT gateway replaces the instance', () => {
    const { instances, gateways } = natResources('gateway');
    expect({ instances, gateways }).toEqual({ instances: 0, gateways: 1 });
  });

  test('GIVEN natMode none THEN there is no NAT at all', () => {
    const { instances, gateways } = natResources('none');
    expect({ instances, gateways }).toEqual({ instances: 0, gateways: 0 });
  });
});

describe('MonitoringStack', () => {
  test('GIVEN alarmEmail THEN the encrypted, SSL-only alarm topic mails it', () => {
    const template = Template.fromStack(new MonitoringStack(new App(), 'Mon', { alarmEmail: 'ops@example.com' }));
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // A topic policy that only denies admits no one: CloudWatch alarms must be allowed to publish by name.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    // CloudWatch may use the key to publish alarms (the AWS-managed SNS key would refuse it).
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
          // The fleet's launch-error notifications come from the Auto Scaling service-linked role, which may not
          // exist yet: named by a condition, not as a principal (KMS refuses policies naming missing roles).
          Match.objectLike({
            Principal: { AWS: Match.anyValue() },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling']),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('cdk-nag gate', () => {
  const findings = (configure: (stack: Stack, role: iam.Role) => void) => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    configure(stack, role);
    app.synth();
    return new ConnectNowNagChecks(app).validateScope(app).violations.map((v) => v.ruleName);
  };

  test('GIVEN an unacknowledged wildcard THEN it is reported (the gate is live)', () => {
    expect(
      findings((_s, role) => role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }))),
    ).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Action::s3:*]', 'AwsSolutions-IAM5[Resource::*]']));
  });

  test('GIVEN a pattern acknowledgment THEN only the matching wildcard is waived', () => {
    const reported = findings((stack, role) => {
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject*'], resources: ['arn:aws:s3:::b/uploads/*'] }),
      );
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/secrets/*'] }));
      acknowledgeGrantWildcards(stack, 's3Actions', 'recordingPrefixes');
    });
    expect(reported).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::b/secrets/*]']);
  });

  test('GIVEN an exact acknowledgment THEN that finding is waived', () => {
    const reported = findings((_s, role) => {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray supports no resource scoping.',
      });
    });
    expect(reported).toEqual([]);
  });
});
