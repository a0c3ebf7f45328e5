import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createTokenService } from '../../../functions/auth/tickets';
import { handler, type AuthKeygenProperties } from '../../../functions/auth/keygen';
import { importAuthKeySecret } from '../../../functions/auth/keys';
import { freshKeys, ISSUER, ticketClaims } from './forge';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:auth-keys';
const secretsMock = mockClient(SecretsManagerClient);
const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret value"), {
  name: 'ResourceNotFoundException',
});

type Event = CloudFormationCustomResourceEvent<AuthKeygenProperties, AuthKeygenProperties>;
const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ResponseURL: 'https://example.invalid',
  StackId: 'stack',
  RequestId: 'req',
  LogicalResourceId: 'AuthKeys',
  ResourceType: 'Custom::AuthKeys',
  ResourceProperties: { ServiceToken: 'x', SecretArn: SECRET },
};
const create = { ...base, RequestType: 'Create' } as Event;
const update = (oldArn = SECRET) =>
  ({
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: `auth-keys:${oldArn}`,
    OldResourceProperties: { ServiceToken: 'x', SecretArn: oldArn },
  }) as Event;
const remove = { ...base, RequestType: 'Delete', PhysicalResourceId: `auth-keys:${SECRET}` } as Event;

describe('auth keygen custom resource', () => {
  beforeAll(() => {
    process.env.AWS_REGION = 'us-east-1';
  });
  beforeEach(() => secretsMock.reset());
  afterAll(() => secretsMock.restore());

  it('on Create writes a usable ES256 key pair into the empty secret', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(notFound);
    secretsMock.on(PutSecretValueCommand).resolves({});
    await expect(handler(create)).resolves.toEqual({ PhysicalResourceId: `auth-keys:${SECRET}` });
    const puts = secretsMock.commandCalls(PutSecretValueCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input.SecretId).toBe(SECRET);
    // The stored value must sign and verify tickets, and its public half must not carry the private scalar.
    const stored = puts[0]!.args[0].input.SecretString!;
    const keys = await importAuthKeySecret(stored);
    expect(JSON.parse(stored).publicJwk.d).toBeUndefined();
    const service = createTokenService({ keys: async () => keys, issuer: () => ISSUER });
    await expect(service.verifyRoomTicket(await service.issueRoomTicket(ticketClaims))).resolves.toEqual(ticketClaims);
  });

  it('on Create replaces a placeholder value that is not a key pair', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'generated-placeholder' });
    secretsMock.on(PutSecretValueCommand).resolves({});
    await handler(create);
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('on a retried Create keeps keys that are already there (live sessions survive)', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: (await freshKeys()).secret });
    await handler(create);
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('on Update and Delete leaves the keys alone', async () => {
    await expect(handler(update())).resolves.toEqual({ PhysicalResourceId: `auth-keys:${SECRET}` });
    await expect(handler(remove)).resolves.toEqual({ PhysicalResourceId: `auth-keys:${SECRET}` });
    expect(secretsMock.calls()).toHaveLength(0);
  });

  it('on an Update that moves to a new, empty secret fills it', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(notFound);
    secretsMock.on(PutSecretValueCommand).resolves({});
    await handler(update('arn:aws:secretsmanager:us-east-1:123456789012:secret:old'));
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('fails the deployment when Secrets Manager fails, instead of reporting success', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(handler(create)).rejects.toThrow('denied');
  });
});
