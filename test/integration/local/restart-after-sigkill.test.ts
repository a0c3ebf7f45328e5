import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { isProcessAlive } from '../../../local/data-lock';
import { localCredentials } from '../../../local/local-credentials';

/*
 * "A restart loses nothing": `npm start`'s own command, killed with SIGKILL (no shutdown code runs), then started
 * again on the same data folder. Everything is written and read back through the real SDK clients.
 */
const REPO = join(__dirname, '..', '..', '..');
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const region = 'us-east-1';
const dataApiTarget = {
  resourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:local',
  secretArn: 'local',
  database: 'x',
};

interface Running {
  child: ChildProcess;
  /** Everything the cloud printed (kept growing while it runs). */
  output: { text: string };
  url: string;
  ports: { dynamodb: number; s3: number; sqs: number; dataApi: number };
}

let dataDir: string;
let running: Running | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cn-restart-'));
});

afterAll(async () => {
  if (running) await killGroup(running.child, 'SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Running> {
  // `npm start` itself; detached: the npm → node chain gets its own process group, so one kill reaches all of it.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO,
    detached: true,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOCAL_WORKER: 'false', LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString();
      const match = /running at (http:\/\/localhost:\d+)/.exec(output.text);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.text}`)));
  });
  const health = (await (await fetch(`${url}/healthz?detail=1`)).json()) as {
    parts: Record<string, { port?: number; status: string }>;
  };
  return {
    child,
    output,
    url,
    ports: {
      dynamodb: health.parts.dynamodb!.port!,
      s3: health.parts.s3!.port!,
      sqs: health.parts.sqs!.port!,
      dataApi: health.parts['rds-data-api']!.port!,
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid!, signal);
  });
}

function clients(r: Running) {
  const endpoint = (port: number) => `http://127.0.0.1:${port}`;
  return {
    dynamo: new DynamoDBClient({ endpoint: endpoint(r.ports.dynamodb), region, credentials }),
    s3: new S3Client({ endpoint: endpoint(r.ports.s3), region, credentials, forcePathStyle: true }),
    sqs: new SQSClient({ endpoint: endpoint(r.ports.sqs), region, credentials }),
    // The Data API emulator takes only the stack's own signature: its secret lives in the data folder.
    sql: new RDSDataClient({ endpoint: endpoint(r.ports.dataApi), region, credentials: localCredentials(dataDir) }),
  };
}

it('keeps DynamoDB items, S3 objects, SQL rows and queued messages across a SIGKILL', async () => {
  running = await start();
  const first = clients(running);
  await first.dynamo.send(
    new PutItemCommand({
      TableName: 'connect-now-connections',
      Item: {
        pk: { S: 'CONN#survivor' },
        roomId: { S: 'room-9' },
        ttl: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      },
    }),
  );
  await first.s3.send(
    new PutObjectCommand({ Bucket: 'connect-now-recordings', Key: 'media/survivor.txt', Body: 'still here' }),
  );
  await first.sql.send(
    new ExecuteStatementCommand({
      ...dataApiTarget,
      sql: 'CREATE TABLE restart_probe (id integer PRIMARY KEY, note text)',
    }),
  );
  await first.sql.send(
    new ExecuteStatementCommand({
      ...dataApiTarget,
      sql: 'INSERT INTO restart_probe (id, note) VALUES (:id, :note)',
      parameters: [
        { name: 'id', value: { longValue: 7 } },
        { name: 'note', value: { stringValue: 'committed before the crash' } },
      ],
    }),
  );
  const { QueueUrl } = await first.sqs.send(new GetQueueUrlCommand({ QueueName: 'transcribe' }));
  await first.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"job":"survivor"}' }));
  // The in-memory queue is snapshotted every second.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  for (const client of Object.values(first)) client.destroy();

  const s3Port = running.ports.s3;
  const lockHolder = Number(readFileSync(join(dataDir, '.lock'), 'utf8'));
  await killGroup(running.child, 'SIGKILL');
  // npm exits first; the cloud's own node process dies a moment later. A person restarting after a crash does so
  // once it is gone, and so does this test (the lock file it left behind is then taken over).
  const killedBy = Date.now() + 30_000;
  while (isProcessAlive(lockHolder) && Date.now() < killedBy) await new Promise((r) => setTimeout(r, 50));
  running = await start();
  // The part URLs a page holds (for an hour) name S3's port: it comes back on the same one.
  expect(running.ports.s3).toBe(s3Port);
  const second = clients(running);

  const item = await second.dynamo.send(
    new GetItemCommand({ TableName: 'connect-now-connections', Key: { pk: { S: 'CONN#survivor' } } }),
  );
  expect(item.Item?.roomId).toEqual({ S: 'room-9' });
  const object = await second.s3.send(
    new GetObjectCommand({ Bucket: 'connect-now-recordings', Key: 'media/survivor.txt' }),
  );
  expect(await object.Body!.transformToString()).toBe('still here');
  const rows = await second.sql.send(
    new ExecuteStatementCommand({
      ...dataApiTarget,
      sql: 'SELECT id, note FROM restart_probe',
      formatRecordsAs: 'JSON',
    }),
  );
  expect(JSON.parse(rows.formattedRecords!)).toEqual([{ id: 7, note: 'committed before the crash' }]);
  const queue = await second.sqs.send(new GetQueueUrlCommand({ QueueName: 'transcribe' }));
  const received = await second.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2 }));
  expect(received.Messages?.map((m) => m.Body)).toEqual(['{"job":"survivor"}']);
  for (const client of Object.values(second)) client.destroy();

  // SIGTERM is a clean shutdown: the data folder's lock is released on the way out, even when the cloud's process
  // is not scheduled for a moment as the signal lands (a busy machine; simulated here by SIGSTOP/SIGCONT). A
  // launcher that relays the signal and SIGKILLs a child that has not answered within milliseconds (tsx's CLI
  // does, after 60 ms) would leave the lock behind.
  expect(existsSync(join(dataDir, '.lock'))).toBe(true);
  const stopping = running;
  const cloudPid = Number(readFileSync(join(dataDir, '.lock'), 'utf8'));
  process.kill(cloudPid, 'SIGSTOP');
  const exited = killGroup(running.child, 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  // ESRCH here means the launcher killed the cloud outright; the lock check below then says what that cost.
  if (isProcessAlive(cloudPid)) process.kill(cloudPid, 'SIGCONT');
  await exited;
  running = undefined;
  // npm exits once its child has; the cloud's node process finishes its shutdown just after (PGlite checkpoint, queue
  // snapshot): a generous wait, since a loaded 2-core CI machine can take many seconds.
  const deadline = Date.now() + 90_000;
  while (existsSync(join(dataDir, '.lock')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // On failure, what the cloud printed while stopping says where it hung.
  expect({ lockLeft: existsSync(join(dataDir, '.lock')), output: stopping.output.text.slice(-2000) }).toEqual({
    lockLeft: false,
    output: expect.any(String),
  });
}, 300_000);
