import { request } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startTestCloud, type TestCloud } from './support/test-cloud';

/*
 * What every local listener checks before serving: a malformed percent-escape (`%zz`, a cut-off `%A`, bytes that
 * are not UTF-8) anywhere in a path or a query answers 400 or 404, never a 500 or a dropped connection; a Host
 * header that does not name the listener (DNS rebinding) answers 421; the emulators take only requests signed
 * with the local stack's own credentials (403 otherwise).
 */
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
}, 120_000);

afterAll(async () => {
  await cloud.dispose();
});

/** Sends the request target byte for byte (fetch would normalise it) and resolves with the status. */
function statusOf(base: string, method: string, target: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

const TRICKS = ['/%E0%A4%A', '/a%zz', '/%', '/%C0%AF', '/x?q=%zz', '/x?%E0%A4%A=1'];

const okStatus = (status: number) => expect([400, 404]).toContain(status);

describe('the gateway (frontend, config.json, healthz, HTTP API, WebSocket stage, @connections)', () => {
  it.each([
    ['GET', '/%E0%A4%A'],
    ['GET', '/r/%E0%A4%A'],
    ['GET', '/assets/%zz.js'],
    ['GET', '/?q=%zz'],
    ['GET', '/config.json?x=%E0%A4%A'],
    ['GET', '/healthz?%zz'],
    ['GET', '/api/rooms/%E0%A4%A'],
    ['POST', '/api/rooms/%E0%A4%A/join'],
    ['GET', '/api/rooms?q=%zz'],
    ['GET', '/peerjs?key=%zz'],
    ['POST', '/_aws/ws/@connections/%E0%A4%A'],
    ['GET', '//[/'],
  ])('%s %s → 400/404', async (method, target) => {
    okStatus(await statusOf(cloud.url, method, target, { authorization: 'AWS4-HMAC-SHA256 Credential=x' }));
  });

  it('refuses a WebSocket upgrade with a malformed escape with 400', async () => {
    const status = await statusOf(cloud.url, 'GET', '/peerjs?key=%E0%A4%A', {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    expect(status).toBe(400);
  });
});

describe('the AWS endpoint (Data API, Secrets Manager, Lambda Invoke) and the stand-ins', () => {
  const endpoints = () => ({
    aws: cloud.env.AWS_ENDPOINT_URL_LAMBDA!,
    dynamodb: cloud.env.AWS_ENDPOINT_URL_DYNAMODB!,
    s3: cloud.env.AWS_ENDPOINT_URL_S3!,
    sqs: cloud.env.AWS_ENDPOINT_URL_SQS!,
  });

  it.each(['aws', 'dynamodb', 's3', 'sqs'] as const)('%s answers 400/404 to each trick', async (name) => {
    const base = endpoints()[name];
    for (const trick of TRICKS) {
      for (const method of ['GET', 'POST']) okStatus(await statusOf(base, method, trick));
    }
  });

  it('Lambda Invoke with a malformed function name answers 400/404', async () => {
    okStatus(await statusOf(endpoints().aws, 'POST', '/2015-03-31/functions/%E0%A4%A/invocations'));
  });

  it('every listener still answers afterwards', async () => {
    expect((await fetch(`${cloud.url}/healthz`)).status).toBe(200);
  });
});

describe('Host header (DNS rebinding defence)', () => {
  const listeners = () => ({
    gateway: cloud.url,
    aws: cloud.env.AWS_ENDPOINT_URL_LAMBDA!,
    dynamodb: cloud.env.AWS_ENDPOINT_URL_DYNAMODB!,
    s3: cloud.env.AWS_ENDPOINT_URL_S3!,
    sqs: cloud.env.AWS_ENDPOINT_URL_SQS!,
  });

  it.each(['gateway', 'aws', 'dynamodb', 's3', 'sqs'] as const)(
    '%s answers 421 to a Host that is not its own, and serves its own',
    async (name) => {
      const base = listeners()[name];
      const { port } = new URL(base);
      for (const host of [
        `rebind.evil.example:${port}`,
        `localhost:${Number(port) + 1}`,
        'localhost',
        `a@localhost:${port}`,
      ]) {
        expect(await statusOf(base, 'GET', '/', { host })).toBe(421);
      }
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        expect(await statusOf(base, 'GET', '/', { host })).not.toBe(421);
      }
    },
  );

  it('refuses a WebSocket upgrade with a foreign Host with 421', async () => {
    const status = await statusOf(cloud.url, 'GET', '/peerjs', {
      host: `rebind.evil.example:${new URL(cloud.url).port}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    expect(status).toBe(421);
  });
});

describe("emulators accept only the local stack's own SigV4 signature", () => {
  const own = () => ({
    accessKeyId: cloud.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY!,
  });

  it('answers 403 to unsigned requests and to a signature with another key (Data API, Secrets Manager, Lambda)', async () => {
    const aws = cloud.env.AWS_ENDPOINT_URL_LAMBDA!;
    expect(await statusOf(aws, 'POST', '/Execute')).toBe(403);
    expect(await statusOf(aws, 'POST', '/2015-03-31/functions/HttpApi/invocations')).toBe(403);
    expect(
      await statusOf(aws, 'POST', '/', {
        'x-amz-target': 'secretsmanager.GetSecretValue',
        authorization: 'AWS4-HMAC-SHA256 x',
      }),
    ).toBe(403);
    for (const credentials of [
      { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      { ...own(), secretAccessKey: `${own().secretAccessKey}x` },
    ]) {
      const config = { endpoint: aws, region: 'us-east-1', credentials };
      const secrets = new SecretsManagerClient(config);
      await expect(secrets.send(new ListSecretsCommand({}))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      const lambda = new LambdaClient(config);
      await expect(lambda.send(new InvokeCommand({ FunctionName: 'HttpApi', Payload: '{}' }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      const data = new RDSDataClient(config);
      await expect(
        data.send(new ExecuteStatementCommand({ resourceArn: 'arn:x', secretArn: 'arn:y', sql: 'SELECT 1' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      for (const client of [secrets, lambda, data]) client.destroy();
    }
  });

  it('serves the same calls signed with the credentials handed to the functions', async () => {
    const lambda = new LambdaClient({
      endpoint: cloud.env.AWS_ENDPOINT_URL_LAMBDA,
      region: 'us-east-1',
      credentials: own(),
    });
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'HttpApi', Payload: '{}' }));
    expect(out.StatusCode).toBe(200);
    lambda.destroy();
  });
});
