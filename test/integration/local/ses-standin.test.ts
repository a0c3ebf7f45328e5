import { SendEmailCommand, SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sesMailer } from '../../../functions/auth/mailer';
import { startAwsEndpoint, type AwsEndpoint } from '../../../local/emulators/aws-endpoint';
import type { RdsDataApi } from '../../../local/emulators/rds-data-api';
import type { SecretsManagerEmulator } from '../../../local/emulators/secrets-manager';
import type { LambdaRuntime } from '../../../local/lambda/runtime';
import { SesStandIn } from '../../../local/standins/ses';

const credentials = { accessKeyId: 'local-test-key', secretAccessKey: 'local-test-secret' };

// The real SES v2 client, over HTTP, signing with SigV4, against the stand-in behind the local AWS endpoint.
describe('SES v2 stand-in', () => {
  let dir: string;
  let ses: SesStandIn;
  let endpoint: AwsEndpoint;
  let client: SESv2Client;
  const env = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cn-ses-'));
    ses = new SesStandIn(join(dir, 'inbox.json'), ['connect-now.localhost', 'ops@example.com']);
    endpoint = await startAwsEndpoint({
      // Only SES is exercised here; the other emulators are never reached.
      dataApi: {} as RdsDataApi,
      secrets: {} as SecretsManagerEmulator,
      runtime: {} as LambdaRuntime,
      ses,
      credentials,
    });
    client = new SESv2Client({ endpoint: endpoint.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = env;
  });

  const mail = (over: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput => ({
    FromEmailAddress: 'Connect Now <no-reply@connect-now.localhost>',
    Destination: { ToAddresses: ['ada@example.com'] },
    Content: {
      Simple: {
        Subject: { Data: 'Confirm your email' },
        Body: { Text: { Data: 'Open http://localhost:8080/account/verify#token=abc to finish.' } },
      },
    },
    ...over,
  });

  it('accepts SendEmail from a verified domain and shows the mail, with its links, in the inbox', async () => {
    const out = await client.send(new SendEmailCommand(mail()));
    expect(out.MessageId).toMatch(/@local\.ses$/);
    expect(ses.inbox()[0]).toMatchObject({
      to: ['ada@example.com'],
      subject: 'Confirm your email',
      links: ['http://localhost:8080/account/verify#token=abc'],
    });
  });

  it('keeps the inbox across a restart (the data folder holds it)', () => {
    const reopened = new SesStandIn(join(dir, 'inbox.json'), []);
    expect(reopened.inbox()[0]!.subject).toBe('Confirm your email');
  });

  it('refuses a From address that is not a verified identity, like SES in the sandbox', async () => {
    await expect(
      client.send(new SendEmailCommand(mail({ FromEmailAddress: 'someone@elsewhere.example' }))),
    ).rejects.toMatchObject({ name: 'MessageRejected', message: expect.stringMatching(/not verified/) });
    // A verified address counts on its own, without its domain.
    await expect(
      client.send(new SendEmailCommand(mail({ FromEmailAddress: 'ops@example.com' }))),
    ).resolves.toBeDefined();
    await expect(
      client.send(new SendEmailCommand(mail({ FromEmailAddress: 'dev@example.com' }))),
    ).rejects.toMatchObject({ name: 'MessageRejected' });
  });

  it('refuses messages over the size limit and too many recipients', async () => {
    const huge = 'x'.repeat(11 * 1024 * 1024);
    // One attempt: the stand-in drops the connection once the body passes the limit, which the SDK would retry.
    const once = new SESv2Client({ endpoint: endpoint.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    await expect(
      once.send(
        new SendEmailCommand(
          mail({ Content: { Simple: { Subject: { Data: 'big' }, Body: { Text: { Data: huge } } } } }),
        ),
      ),
    ).rejects.toBeDefined();
    once.destroy();
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    await expect(client.send(new SendEmailCommand(mail({ Destination: { ToAddresses: many } })))).rejects.toMatchObject(
      { name: 'MessageRejected' },
    );
    expect(ses.inbox().some((m) => m.subject === 'big')).toBe(false);
  }, 60_000);

  it('refuses requests not signed with the stack’s own credentials', async () => {
    const stranger = new SESv2Client({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local-test-key', secretAccessKey: 'guessed' },
    });
    await expect(stranger.send(new SendEmailCommand(mail()))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    stranger.destroy();
    const unsigned = await fetch(`${endpoint.url}/v2/email/outbound-emails`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
  });

  it('is what the functions’ mailer reaches through AWS_ENDPOINT_URL_SESV2', async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SESV2: endpoint.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      MAIL_FROM: 'Connect Now <no-reply@connect-now.localhost>',
    });
    await sesMailer.send({ to: 'grace@example.com', subject: 'Reset your password', text: 'Go to http://x/y' });
    expect(ses.inbox()[0]).toMatchObject({ to: ['grace@example.com'], subject: 'Reset your password' });
  });
});
