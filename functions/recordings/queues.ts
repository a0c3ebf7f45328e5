import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BurnInJob, TranscribeJob } from '../shared/protocol/recordings';
import { SCALER_POKE_SOURCE, type ScalerPoke, type ScalerPokeJob } from '../shared/protocol/scaler';

/** Sends one JSON message; SQS rejects bodies over 256 KB, ours are a few hundred bytes. */
export async function sendJson(client: SQSClient, queueUrl: string, body: TranscribeJob | BurnInJob): Promise<void> {
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
}

/**
 * Wakes the scaler at once instead of waiting for its one-minute schedule: with the fleet at zero, those seconds
 * are the difference between a minute's wait and none before the instance boot starts. An enqueue poke carries the
 * recording's duration: the scaler then knows the job's run time (duration × the engine's observed speed) before
 * the job starts, which is what lets a waiting job wait for a busy instance instead of booting one.
 */
export async function pokeScaler(
  client: LambdaClient,
  functionName: string | undefined,
  job?: ScalerPokeJob,
): Promise<void> {
  if (!functionName) return;
  const poke: ScalerPoke = job ? { source: SCALER_POKE_SOURCE, job } : { source: SCALER_POKE_SOURCE };
  await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(poke)),
    }),
  );
}
