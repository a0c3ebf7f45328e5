import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BurnInJob, TranscribeJob } from '../shared/protocol/recordings';

/** Sends one JSON message; SQS rejects bodies over 256 KB, ours are a few hundred bytes. */
export async function sendJson(client: SQSClient, queueUrl: string, body: TranscribeJob | BurnInJob): Promise<void> {
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
}

/**
 * Wakes the scaler at once instead of waiting for its one-minute schedule: with the fleet at zero, those seconds
 * are the difference between a minute's wait and none before the instance boot starts.
 */
export async function pokeScaler(client: LambdaClient, functionName: string | undefined): Promise<void> {
  if (!functionName) return;
  await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify({ source: 'connect-now.enqueue' })),
    }),
  );
}
