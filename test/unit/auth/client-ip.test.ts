import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

type ClientIpModule = typeof import('../../../functions/auth/client-ip');
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OriginVerify-abc123';

/**
 * A fresh module per test (the secret is cached per container, i.e. per module instance), with the Secrets Manager
 * client of that same module registry mocked.
 */
function freshContainer(): {
  mod: ClientIpModule;
  secrets: AwsClientStub<SecretsManager.SecretsManagerClient>;
  GetSecretValueCommand: typeof SecretsManager.GetSecretValueCommand;
} {
  let result: ReturnType<typeof freshContainer> | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const sdk = require('@aws-sdk/client-secrets-manager') as typeof SecretsManager;
    const secrets = mockClient(sdk.SecretsManagerClient);
    const mod = require('../../../functions/auth/client-ip') as ClientIpModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    result = { mod, secrets, GetSecretValueCommand: sdk.GetSecretValueCommand };
  });
  return result!;
}

describe('CloudFront origin secret (ORIGIN_VERIFY_SECRET_ARN)', () => {
  const saved = process.env.ORIGIN_VERIFY_SECRET_ARN;
  beforeEach(() => {
    process.env.ORIGIN_VERIFY_SECRET_ARN = SECRET_ARN;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.ORIGIN_VERIFY_SECRET_ARN;
    else process.env.ORIGIN_VERIFY_SECRET_ARN = saved;
  });

  it('is read from the named secret once and reused by the next requests of the container', async () => {
    const { mod, secrets, GetSecretValueCommand } = freshContainer();
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: 'from-cloudfront' });
    expect(await mod.loadEdgeSecret()).toBe('from-cloudfront');
    expect(await mod.loadEdgeSecret()).toBe('from-cloudfront');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('is undefined without the variable, so no viewer header is believed and Secrets Manager is not called', async () => {
    delete process.env.ORIGIN_VERIFY_SECRET_ARN;
    const { mod, secrets, GetSecretValueCommand } = freshContainer();
    expect(await mod.loadEdgeSecret()).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('fails loudly on an empty secret instead of trusting an empty header', async () => {
    const { mod, secrets, GetSecretValueCommand } = freshContainer();
    secrets.on(GetSecretValueCommand).resolves({});
    await expect(mod.loadEdgeSecret()).rejects.toThrow('ORIGIN_VERIFY_SECRET_ARN secret has no SecretString');
  });

  it('does not keep a failed read: the next request asks again', async () => {
    const { mod, secrets, GetSecretValueCommand } = freshContainer();
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'from-cloudfront' });
    await expect(mod.loadEdgeSecret()).rejects.toThrow('throttled');
    expect(await mod.loadEdgeSecret()).toBe('from-cloudfront');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
