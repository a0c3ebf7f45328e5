import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, ResourceNotFoundException as LambdaNotFound } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { callsOf, recorder, waitFor } from './support/recorder';
import { startTestCloud, type TestCloud } from './support/test-cloud';

/*
 * Event sources (S3 notifications, the SQS event source mapping, the schedule) and the Lambda/Secrets Manager
 * emulators, all reached with the real SDK clients through the AWS_ENDPOINT_URL_* variables the functions get.
 */
let cloud: TestCloud;
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// The emulators (Lambda, Secrets Manager) take only the stack's own signature, handed to functions in their env.
const stackCredentials = () => ({
  accessKeyId: cloud.env.AWS_ACCESS_KEY_ID!,
  secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY!,
});
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  cloud = await startTestCloud({
    scheduleIntervalMs: 300,
    ttlSweepIntervalMs: 200,
    sqs: { visibilityTimeoutSeconds: 1, waitTimeSeconds: 1 },
  });
  s3 = new S3Client({
    endpoint: cloud.env.AWS_ENDPOINT_URL_S3,
    region: 'us-east-1',
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  sqs = new SQSClient({ endpoint: cloud.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials });
}, 120_000);

afterAll(async () => {
  s3.destroy();
  sqs.destroy();
  await cloud.dispose();
});

beforeEach(() => {
  recorder().calls.length = 0;
  recorder().behaviors = {};
});

describe('S3 notifications → Transcode', () => {
  const transcodeRecords = () => callsOf('Transcode').map((c) => c.event.Records[0]);

  it('delivers ObjectCreated:Put under uploads/ with the key URL-encoded as S3 does', async () => {
    const key = 'uploads/u1/my talk (final).webm';
    await s3.send(new PutObjectCommand({ Bucket: cloud.env.RECORDINGS_BUCKET, Key: key, Body: 'webm-bytes' }));
    const [record] = await waitFor(() => transcodeRecords().length > 0 && transcodeRecords(), 5000, 'Transcode');
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: cloud.env.RECORDINGS_BUCKET, arn: `arn:aws:s3:::${cloud.env.RECORDINGS_BUCKET}` },
        object: { key: 'uploads/u1/my+talk+%28final%29.webm', size: 10 },
      },
    });
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))).toBe(key);
  });

  it('names a completed multipart upload ObjectCreated:CompleteMultipartUpload', async () => {
    const Bucket = cloud.env.RECORDINGS_BUCKET!;
    const Key = 'uploads/u1/multi.webm';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const [record] = await waitFor(() => transcodeRecords().length > 0 && transcodeRecords(), 5000, 'Transcode');
    expect(record).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { object: { key: Key } } });
  });

  it('does not trigger Transcode outside uploads/ (its own outputs under media/)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: cloud.env.RECORDINGS_BUCKET, Key: 'media/u1/out.mp4', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: cloud.env.RECORDINGS_BUCKET, Key: 'uploads/u1/marker', Body: 'x' }));
    await waitFor(() => transcodeRecords().length > 0, 5000, 'Transcode');
    expect(transcodeRecords().map((r) => r.s3.object.key)).toEqual(['uploads/u1/marker']);
  });

  it('lets the page origin (and only it) upload and read across origins: CORS as the bucket is configured', async () => {
    const url = `${cloud.env.AWS_ENDPOINT_URL_S3}/${cloud.env.RECORDINGS_BUCKET}/uploads/u1/marker`;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: cloud.url, 'Access-Control-Request-Method': 'PUT' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    const foreign = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(foreign.status).toBe(403);
    const read = await fetch(url, { headers: { Origin: cloud.url } });
    expect(read.headers.get('access-control-allow-origin')).toBe(cloud.url);
    expect(read.headers.get('access-control-expose-headers')).toContain('ETag');
  });
});

describe('SQS → BurnIn (event source mapping)', () => {
  it('deletes what succeeded, redelivers only the reported failures, and moves them to the DLQ after 3 receives', async () => {
    recorder().behaviors.BurnIn = (event) => ({
      batchItemFailures: event.Records.filter((r: { body: string }) => r.body === 'poison').map(
        (r: { messageId: string }) => ({
          itemIdentifier: r.messageId,
        }),
      ),
    });
    const QueueUrl = cloud.env.BURN_IN_QUEUE_URL!;
    for (const body of ['ok-1', 'poison', 'ok-2'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));

    const seen = (body: string) =>
      callsOf('BurnIn')
        .flatMap((c) => c.event.Records)
        .filter((r: { body: string }) => r.body === body);
    await waitFor(() => seen('poison').length === 3, 20_000, 'three receives of the failing message');
    const moved = await receiveEventually(QueueUrl.replace(/burn-in$/, 'burn-in-dlq'));
    expect(moved).toEqual(['poison']);
    expect(seen('ok-1')).toHaveLength(1);
    expect(seen('ok-2')).toHaveLength(1);
    expect(
      seen('poison').map(
        (r: { attributes: { ApproximateReceiveCount: string } }) => r.attributes.ApproximateReceiveCount,
      ),
    ).toEqual(['1', '2', '3']);
    expect(seen('poison')[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/:burn-in$/),
    });
  });

  it('keeps the whole batch when the function throws', async () => {
    let attempts = 0;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    recorder().behaviors.BurnIn = () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      return { batchItemFailures: [] };
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: cloud.env.BURN_IN_QUEUE_URL!, MessageBody: 'retry-me' }));
    await waitFor(() => attempts >= 2, 15_000, 'redelivery after a thrown error');
    const bodies = callsOf('BurnIn').flatMap((c) => c.event.Records.map((r: { body: string }) => r.body));
    expect(bodies).toEqual(['retry-me', 'retry-me']);
    expect(errors.mock.calls.flat().join('\n')).toMatch(
      /BurnIn failed; the batch returns to the queue: Error: transient/,
    );
    errors.mockRestore();
  });
});

async function receiveEventually(QueueUrl: string): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
    );
    if (Messages?.length) return Messages.map((m) => m.Body!);
  }
  return [];
}

describe('schedule → Scaler', () => {
  it('invokes the Scaler with an EventBridge scheduled event', async () => {
    const [call] = await waitFor(() => callsOf('Scaler').length > 0 && callsOf('Scaler'), 5000, 'Scaler');
    expect(call!.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
  });

  it('invokes the recordings lifecycle sweep on the same schedule, as EventBridge does in AWS', async () => {
    const [call] = await waitFor(
      () => callsOf('RecordingsSweep').length > 0 && callsOf('RecordingsSweep'),
      5000,
      'RecordingsSweep',
    );
    expect(call!.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events' });
  });
});

describe('Lambda Invoke emulator', () => {
  let lambda: LambdaClient;
  beforeAll(() => {
    lambda = new LambdaClient({
      endpoint: cloud.env.AWS_ENDPOINT_URL_LAMBDA,
      region: 'us-east-1',
      credentials: stackCredentials(),
    });
  });
  afterAll(() => lambda.destroy());

  it('runs RequestResponse invocations and returns the payload', async () => {
    recorder().behaviors.PeerOpener = (event) => ({ echoed: event });
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: cloud.env.OPENER_FUNCTION_NAME,
        Payload: JSON.stringify({ connectionId: 'c1', action: 'open' }),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual({
      echoed: { connectionId: 'c1', action: 'open' },
    });
  });

  it('answers 202 to Event invocations and runs the function afterwards, with retries on failure', async () => {
    let attempts = 0;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    recorder().behaviors.PeerOpener = () => {
      attempts++;
      if (attempts === 1) throw new Error('410 during $connect, try again');
      return null;
    };
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'PeerOpener',
        InvocationType: 'Event',
        Payload: JSON.stringify({ connectionId: 'c2', action: 'open' }),
      }),
    );
    expect(out.StatusCode).toBe(202);
    await waitFor(() => attempts === 2, 5000, 'retried async invocation');
    expect(errors.mock.calls.flat().join('\n')).toMatch(/PeerOpener async invocation failed \(attempt 1\), will retry/);
    errors.mockRestore();
  });

  it('runs Scaler invocations side by side, as Lambda does without reserved concurrency (the lease serializes them)', async () => {
    // The schedule (every 300 ms here) invokes it too: count every Scaler run, whoever started it.
    let running = 0;
    let mostAtOnce = 0;
    let pokes = 0;
    recorder().behaviors.Scaler = async (event: { source?: string }) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
      if (event.source === 'test.poke') pokes++;
      return null;
    };
    const sends = Array.from({ length: 6 }, () =>
      lambda.send(
        new InvokeCommand({
          FunctionName: cloud.env.SCALER_FUNCTION_NAME,
          InvocationType: 'Event',
          Payload: JSON.stringify({ source: 'test.poke' }),
        }),
      ),
    );
    expect((await Promise.all(sends)).map((out) => out.StatusCode)).toEqual([202, 202, 202, 202, 202, 202]);
    await waitFor(() => pokes === 6, 10_000, 'six pokes handled');
    // No reserved concurrency in AWS (new accounts cannot reserve any): one decision at a time is the DynamoDB
    // lease's job (functions/shared/lease.ts, tested on its own), so the local runtime must not serialize for it.
    expect(mostAtOnce).toBeGreaterThan(1);
  });

  it('reports function errors as FunctionError Unhandled and unknown functions as ResourceNotFoundException', async () => {
    recorder().behaviors.PeerOpener = () => {
      throw new TypeError('bad input');
    };
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'PeerOpener', Payload: '{}' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'bad input',
    });
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: 'NoSuchFunction', Payload: '{}' })),
    ).rejects.toBeInstanceOf(LambdaNotFound);
  });
});

describe('Secrets Manager emulator', () => {
  let secrets: SecretsManagerClient;
  beforeAll(() => {
    secrets = new SecretsManagerClient({
      endpoint: cloud.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
      region: 'us-east-1',
      credentials: stackCredentials(),
    });
  });
  afterAll(() => secrets.destroy());

  it('serves the auth keys secret seeded at first start (ES256 JWK pair)', async () => {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: cloud.env.AUTH_KEYS_SECRET_ARN }));
    const value = JSON.parse(out.SecretString!);
    expect(value).toMatchObject({
      kid: expect.any(String),
      privateJwk: { kty: 'EC', crv: 'P-256' },
      publicJwk: { kty: 'EC' },
    });
    expect(out.ARN).toBe(cloud.env.AUTH_KEYS_SECRET_ARN);
  });

  it('creates, updates and reads secrets by name or ARN; unknown ids are ResourceNotFoundException', async () => {
    const created = await secrets.send(new CreateSecretCommand({ Name: 'test/turn', SecretString: 'one' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:test\/turn-[A-Za-z0-9]{6}$/);
    await secrets.send(new PutSecretValueCommand({ SecretId: 'test/turn', SecretString: 'two' }));
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('two');
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('DynamoDB TTL', () => {
  it('deletes items whose ttl has passed and keeps the others (dynalite has no UpdateTimeToLive)', async () => {
    const dynamo = new DynamoDBClient({
      endpoint: cloud.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials,
    });
    const TableName = cloud.env.CONNECTIONS_TABLE!;
    const now = Math.floor(Date.now() / 1000);
    await dynamo.send(
      new PutItemCommand({ TableName, Item: { pk: { S: 'CONN#expired' }, ttl: { N: String(now - 10) } } }),
    );
    await dynamo.send(
      new PutItemCommand({ TableName, Item: { pk: { S: 'CONN#alive' }, ttl: { N: String(now + 3600) } } }),
    );
    const get = (pk: string) => dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: pk } } }));
    const deadline = Date.now() + 5000;
    while ((await get('CONN#expired')).Item && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await get('CONN#expired')).Item).toBeUndefined();
    expect((await get('CONN#alive')).Item).toBeDefined();
    dynamo.destroy();
  });
});
