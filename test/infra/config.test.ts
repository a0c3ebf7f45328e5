import { ConfigValidationError, configuredOrigins, parseConfig } from '../../lib/config';

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
    expect(config.fleet).toEqual({
      instanceType: 'g4dn.xlarge',
      alternateInstanceTypes: ['g5.xlarge', 'g6.xlarge'],
      maxInstances: 3,
      idleMinutes: 5,
      spot: false,
    });
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
    // The email-account limits are tunable too (an office behind one NAT shares one address budget).
    expect(parseConfig({ limits: { passwordSignIn: { max: 30, windowSeconds: 900 } } }).limits).toEqual({
      passwordSignIn: { max: 30, windowSeconds: 900 },
    });
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
