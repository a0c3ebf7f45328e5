import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ConfigValidationError, configuredOrigins, parseConfig } from '../../lib/config';
import { acknowledgeGrantWildcards, ConnectNowNagChecks } from '../../lib/nag';
import { MonitoringStack } from '../../lib/stacks/monitoring-stack';
import { NetworkStack } from '../../lib/stacks/network-stack';

function problemsOf(context: Record<string, unknown>): string[] {
  try {
    parseConfig(context);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('config from cdk.json context', () => {
  test('GIVEN no context WHEN parsed THEN the defaults make a working deployment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      stackPrefix: 'ConnectNow',
      fleet: { instanceType: 'g4dn.xlarge', maxInstances: 2, idleMinutes: 10, spot: true },
      natMode: 'instance',
      logRetentionDays: 30,
      maxParticipants: 8,
      retainData: true,
      allowedOrigins: [],
      limits: {},
    });
    expect(config.domainName).toBeUndefined();
  });

  test('GIVEN an out-of-range fleet size THEN the error names the key, the range and how to set it', () => {
    expect(problemsOf({ fleet: { maxInstances: 30 } })).toEqual([
      'context.fleet.maxInstances must be an integer 0..20: set it in cdk.json or pass -c fleet.maxInstances=2',
    ]);
  });

  test('GIVEN command-line strings (-c fleet.maxInstances=3 -c fleet.spot=false) THEN they are typed and merged into cdk.json values', () => {
    const config = parseConfig({
      fleet: { maxInstances: 1, idleMinutes: 5 },
      'fleet.maxInstances': '3',
      'fleet.spot': 'false',
    });
    expect(config.fleet).toEqual({ instanceType: 'g4dn.xlarge', maxInstances: 3, idleMinutes: 5, spot: false });
  });

  test('GIVEN a misspelt key THEN it is refused instead of silently deploying the default', () => {
    expect(problemsOf({ fleet: { maxInstance: 3 } })).toEqual([
      'context.fleet has unknown setting(s) maxInstance: check the spelling against docs/deployment.md',
    ]);
  });

  test('GIVEN a domain without a certificate THEN the missing half is named', () => {
    expect(problemsOf({ domainName: 'meet.example.com' })).toEqual([
      expect.stringMatching(/^context\.certificateArn is required when domainName is set .*-c certificateArn=/),
    ]);
  });

  test('GIVEN a certificate outside us-east-1 or a non-GPU instance type THEN each is explained', () => {
    const problems = problemsOf({
      domainName: 'meet.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      fleet: { instanceType: 't3.micro' },
      natMode: 'nat',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^context\.certificateArn must be an ACM certificate ARN in us-east-1/),
        expect.stringMatching(/^context\.fleet\.instanceType must be a GPU instance type/),
        expect.stringMatching(/^context\.natMode .*"instance"\|"gateway"\|"none".*-c natMode=instance$/),
      ]),
    );
  });

  test('GIVEN a retention CloudWatch does not offer THEN the allowed values are listed', () => {
    expect(problemsOf({ logRetentionDays: 31 })[0]).toMatch(
      /^context\.logRetentionDays must be one of .*1, 3, 5, 7, 14, 30/,
    );
  });

  test('GIVEN rate limit overrides THEN only known limits with sane numbers are accepted', () => {
    expect(parseConfig({ limits: { chat: { max: 20, windowSeconds: 10 } } }).limits).toEqual({
      chat: { max: 20, windowSeconds: 10 },
    });
    expect(problemsOf({ limits: { chat: { max: 0, windowSeconds: 10 } } })[0]).toMatch(/^context\.limits\.chat\.max /);
    expect(problemsOf({ limits: { everything: { max: 1, windowSeconds: 1 } } })[0]).toMatch(/^context\.limits/);
  });

  test('GIVEN a custom domain THEN it is the first allowed origin, extras follow without duplicates', () => {
    const config = parseConfig({
      domainName: 'meet.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e',
      allowedOrigins: ['https://meet.example.com', 'https://staging.example.com'],
    });
    expect(configuredOrigins(config)).toEqual(['https://meet.example.com', 'https://staging.example.com']);
    expect(problemsOf({ allowedOrigins: ['https://x.example.com/path'] })[0]).toMatch(
      /^context\.allowedOrigins\.0 must be an https origin/,
    );
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
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
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
