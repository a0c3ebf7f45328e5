import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigValidationError, parseConfig } from '../../lib/config';
import { ConnectNowNagChecks } from '../../lib/nag';
import { synthesizeApp, type SynthesizedApp } from './support/synth-app';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let built: SynthesizedApp;
let api: Template;
beforeAll(() => {
  // GIVEN a deployment that sends account mail from example.com
  built = synthesizeApp({ mail: { domain: 'example.com', fromAddress: 'no-reply@example.com' } });
  api = built.template('api');
});

describe('account mail through SES', () => {
  test('THEN the domain is an SES identity tied to a configuration set that suppresses bounces and complaints', () => {
    api.resourceCountIs('AWS::SES::EmailIdentity', 1);
    api.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    api.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: Match.arrayEquals(['BOUNCE', 'COMPLAINT']) },
      SendingOptions: { SendingEnabled: true },
    });
  });

  test('THEN the HTTP API function gets the From header and the configuration set', () => {
    const functions = api.findResources('AWS::Lambda::Function') as Resources;
    const envs = Object.values(functions).map(
      (f) => (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    );
    const httpApi = envs.find((vars) => 'MAIL_FROM' in vars)!;
    expect(httpApi.MAIL_FROM).toBe('Connect Now <no-reply@example.com>');
    expect(httpApi.SES_CONFIGURATION_SET).toBeDefined();
  });

  test('THEN the function may only ses:SendEmail, through that identity and set, from that address', () => {
    const policies = api.findResources('AWS::IAM::Policy') as Resources;
    const statements = Object.values(policies).flatMap(
      (p) =>
        (
          p.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
          }
        ).Statement,
    );
    const sesStatements = statements.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('ses:')));
    expect(sesStatements).toHaveLength(1);
    const [send] = sesStatements;
    expect(send!.Action).toBe('ses:SendEmail');
    expect(send!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
    expect(JSON.stringify(send!.Resource)).not.toContain('*');
    expect(JSON.stringify(send!.Resource)).toContain('configuration-set/');
  });

  test('THEN cdk-nag reports nothing unacknowledged', () => {
    const report = new ConnectNowNagChecks(built.app).validateScope(built.app);
    expect(
      report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });
});

describe('mail config', () => {
  test('GIVEN a From address on another domain THEN the synth fails naming the key', () => {
    expect(() => parseConfig({ mail: { domain: 'example.com', fromAddress: 'no-reply@elsewhere.org' } })).toThrow(
      ConfigValidationError,
    );
    expect(() => parseConfig({ mail: { domain: 'example.com', fromAddress: 'no-reply@elsewhere.org' } })).toThrow(
      /context\.mail\.fromAddress/,
    );
  });

  test('GIVEN dotted -c keys THEN they build the same mail config', () => {
    const config = parseConfig({ 'mail.domain': 'example.com', 'mail.fromAddress': 'hello@example.com' });
    expect(config.mail).toEqual({ domain: 'example.com', fromAddress: 'hello@example.com', fromName: 'Connect Now' });
  });
});
