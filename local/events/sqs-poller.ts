import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionName } from '../lambda/functions';
import { describe, sleep, type LambdaRuntime } from '../lambda/runtime';
import { localClientConfig, LOCAL_REGION } from '../standins/sdk-config';

export interface SqsPollerOptions {
  runtime: LambdaRuntime;
  functionName: FunctionName;
  endpoint: string;
  queueUrl: string;
  queueArn: string;
  /** @default 10 (the event source mapping's batch size) */
  batchSize?: number;
  /** Long-poll wait; @default 20 s */
  waitTimeSeconds?: number;
  log: (line: string) => void;
}

/**
 * The Lambda event source mapping for SQS: long-polls, hands batches of up to 10 to the function, deletes what
 * succeeded. With ReportBatchItemFailures only the listed messages stay; a thrown error keeps the whole batch.
 * Kept messages come back after the visibility timeout and move to the DLQ after maxReceiveCount receives.
 */
export class SqsPoller {
  private readonly client: SQSClient;
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  batches = 0;
  lastError?: string;

  constructor(private readonly options: SqsPollerOptions) {
    this.client = new SQSClient(localClientConfig(options.endpoint));
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.client.destroy();
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.lastError = describe(error);
        this.options.log(`[sqs] polling ${this.options.queueUrl} failed: ${this.lastError}`);
        await sleep(1000);
      }
    }
  }

  private async pollOnce(): Promise<void> {
    const received = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: this.options.batchSize ?? 10,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return;
    this.batches++;
    const event: SQSEvent = { Records: messages.map((m) => this.record(m)) };
    let keep: Set<string>;
    try {
      const result = (await this.options.runtime.invoke(this.options.functionName, event)) as
        SQSBatchResponse | undefined;
      keep = failedIds(result, messages);
    } catch (error) {
      this.lastError = describe(error);
      this.options.log(`[sqs] ${this.options.functionName} failed; the batch returns to the queue: ${this.lastError}`);
      return;
    }
    const done = messages.filter((m) => !keep.has(m.MessageId!));
    if (done.length === 0) return;
    await this.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }

  private record(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? '000000000000',
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, lambdaAttribute(value)]),
      ),
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: LOCAL_REGION,
    };
  }
}

/**
 * Which messages to keep. As in Lambda: an invalid response (an id that is not in the batch, or an empty one)
 * fails the whole batch, so nothing is lost to a handler bug.
 */
export function failedIds(result: SQSBatchResponse | undefined, messages: Message[]): Set<string> {
  const ids = new Set(messages.map((m) => m.MessageId!));
  const failures = result?.batchItemFailures;
  if (!failures || failures.length === 0) return new Set();
  const keep = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return ids;
    keep.add(id);
  }
  return keep;
}

function lambdaAttribute(value: MessageAttributeValue) {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    stringListValues: [],
    binaryListValues: [],
  };
}
