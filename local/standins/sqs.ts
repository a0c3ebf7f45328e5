import type { Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { REPO_ROOT } from '../lambda/functions';
import { guardServer } from '../listener-guard';
import { localClientConfig } from './sdk-config';

// fauxqs is ESM-only with an "import"-only exports map; requiring its file directly works under tsx (require(esm),
// Node >= 20.19) and under jest (jest.config.js transforms fauxqs). Its stores are not exported by name.
const FAUXQS = join(REPO_ROOT, 'node_modules', 'fauxqs', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports */
const { buildApp } = require(join(FAUXQS, 'app.js')) as { buildApp: (options: Record<string, unknown>) => FauxApp };
const { SqsStore } = require(join(FAUXQS, 'sqs', 'sqsStore.js')) as { SqsStore: new () => FauxSqsStore };
const { SnsStore } = require(join(FAUXQS, 'sns', 'snsStore.js')) as { SnsStore: new () => unknown };
const { S3Store } = require(join(FAUXQS, 's3', 's3Store.js')) as { S3Store: new () => unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

interface FauxApp {
  /** Fastify's underlying Node server. */
  server: Server;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}
interface FauxMessage {
  body: string;
  messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
}
interface FauxSqsStore {
  host: string;
  inspectQueue(
    name: string,
  ): { messages: { ready: FauxMessage[]; delayed: FauxMessage[]; inflight: { message: FauxMessage }[] } } | undefined;
  shutdown(): void;
}

export interface QueueSpec {
  name: string;
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to `${name}-dlq`. */
  maxReceiveCount: number;
}

export interface SqsStandIn {
  endpoint: string;
  port: number;
  queueUrls: Record<string, string>;
  /** Writes every queue's messages to the snapshot file now (also done every snapshotIntervalMs and at stop). */
  snapshot(): void;
  /** Messages restored from the snapshot at start (they are redelivered: SQS is at-least-once anyway). */
  restored: number;
  stop(): Promise<void>;
}

type Snapshot = Record<string, { body: string; attributes: FauxMessage['messageAttributes'] }[]>;

/**
 * SQS on fauxqs (in-memory, no persistence of its own). To keep "a restart loses nothing" within reach, the
 * queues' messages (ready, delayed and in flight) are snapshotted to the data folder every second and at stop,
 * and re-sent at start; at most the last interval's messages can be lost to a SIGKILL, which the recordings
 * reconcile() pass recovers from the database.
 */
export async function startSqs(options: {
  dir: string;
  queues: QueueSpec[];
  snapshotIntervalMs?: number;
}): Promise<SqsStandIn> {
  mkdirSync(options.dir, { recursive: true });
  const sqsStore = new SqsStore();
  // Queue URLs otherwise read http://sqs.us-east-1.localhost:port/…, which does not resolve here, and the SQS
  // client sends requests to the QueueUrl's host: an empty host makes fauxqs use the request's 127.0.0.1:port.
  sqsStore.host = '';
  const app = buildApp({ logger: false, stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  guardServer(app.server);
  const port = Number(new URL(address).port);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient(localClientConfig(endpoint));

  const queueUrls: Record<string, string> = {};
  for (const queue of options.queues) {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${queue.name}-dlq` }));
    const dlqArn = (
      await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: queue.name,
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: queue.maxReceiveCount }),
        },
      }),
    );
    queueUrls[queue.name] = created.QueueUrl!;
    queueUrls[`${queue.name}-dlq`] = dlq.QueueUrl!;
  }

  const file = join(options.dir, 'queues.json');
  let restored = 0;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    for (const [name, messages] of Object.entries(saved)) {
      const url = queueUrls[name];
      if (!url) continue;
      for (const message of messages) {
        await client.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: message.body,
            MessageAttributes: message.attributes as Record<string, MessageAttributeValue>,
          }),
        );
        restored++;
      }
    }
  }

  let last = '';
  const snapshot = () => {
    const data: Snapshot = {};
    for (const name of Object.keys(queueUrls)) {
      const state = sqsStore.inspectQueue(name);
      if (!state) continue;
      const all = [
        ...state.messages.ready,
        ...state.messages.delayed,
        ...state.messages.inflight.map((m) => m.message),
      ];
      data[name] = all.map((m) => ({ body: m.body, attributes: m.messageAttributes }));
    }
    const json = JSON.stringify(data);
    if (json === last) return;
    writeAtomic(file, json);
    last = json;
  };
  snapshot();
  const timer = setInterval(snapshot, options.snapshotIntervalMs ?? 1000);
  timer.unref();

  return {
    endpoint,
    port,
    queueUrls,
    restored,
    snapshot,
    stop: async () => {
      clearInterval(timer);
      snapshot();
      client.destroy();
      sqsStore.shutdown();
      await app.close();
    },
  };
}

/** Replaces a file so that a crash leaves either the old or the new content, never half of it. */
export function writeAtomic(file: string, data: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}
