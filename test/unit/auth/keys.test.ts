import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { importAuthKeySecret, loadAuthKeys, resetAuthKeysCache } from '../../../functions/auth/keys';
import { freshKeys } from './forge';

const secretsMock = mockClient(SecretsManagerClient);

describe('auth keys from Secrets Manager', () => {
  const env = { ...process.env };
  beforeAll(() => {
    process.env.AWS_REGION = 'us-east-1';
    process.env.AUTH_KEYS_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-keys';
  });
  beforeEach(() => {
    secretsMock.reset();
    resetAuthKeysCache();
    jest.useFakeTimers({ now: new Date('2026-11-25T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => {
    secretsMock.restore();
    process.env = env;
  });

  it('reads the secret once per container window, then again after five minutes', async () => {
    const { secret } = await freshKeys();
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secret });
    const first = await loadAuthKeys();
    await loadAuthKeys();
    await loadAuthKeys();
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(first.kid).toBe(JSON.parse(secret).kid);
    jest.setSystemTime(Date.now() + 5 * 60_000 + 1);
    await loadAuthKeys();
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('lets an unknown kid force a re-read at most once per 30 s (forged kids cannot flood Secrets Manager)', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: (await freshKeys()).secret });
    await loadAuthKeys();
    for (let i = 0; i < 20; i++) await loadAuthKeys({ force: true });
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    jest.setSystemTime(Date.now() + 31_000);
    await loadAuthKeys({ force: true });
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failed read', async () => {
    const { secret } = await freshKeys();
    secretsMock
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: secret });
    await expect(loadAuthKeys()).rejects.toThrow('throttled');
    await expect(loadAuthKeys()).resolves.toMatchObject({ kid: JSON.parse(secret).kid });
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    [
      'missing the private key',
      JSON.stringify({ kid: 'k', publicJwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' } }),
      /privateJwk/,
    ],
    ['a public key carrying d', null, /publicJwk/],
  ])('refuses a secret that is %s, naming the field but never the key material', async (_label, value, reason) => {
    let text = value;
    if (text === null) {
      const parsed = JSON.parse((await freshKeys()).secret);
      text = JSON.stringify({ ...parsed, publicJwk: parsed.privateJwk });
    }
    const error = await importAuthKeySecret(text).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(reason);
    if (value === null) expect((error as Error).message).not.toContain(JSON.parse(text).privateJwk.d);
  });
});
