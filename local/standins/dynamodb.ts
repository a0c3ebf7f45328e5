import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { guardServer } from '../listener-guard';
import { closeServer, listenLoopback } from './listen';
import { localClientConfig } from './sdk-config';

// dynalite ships no types; its default export returns a plain http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number }) => Server;

export interface DynamoStandIn {
  endpoint: string;
  port: number;
  /** Deletes items whose `ttl` (epoch seconds) has passed; dynalite has no UpdateTimeToLive. */
  sweepExpired(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * DynamoDB on dynalite with a LevelDB directory in the data folder (writes reach the LevelDB log before the
 * response, so a SIGKILL loses nothing that was acknowledged). The connections table is created as the CDK
 * stack defines it, and a sweeper emulates TTL expiry.
 */
export async function startDynamo(options: {
  dir: string;
  tableName: string;
  sweepIntervalMs?: number;
}): Promise<DynamoStandIn> {
  mkdirSync(options.dir, { recursive: true });
  const server = dynalite({ path: options.dir, createTableMs: 0 });
  guardServer(server);
  const port = await listenLoopback(server);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  await ensureConnectionsTable(client, options.tableName);

  const sweepExpired = async (): Promise<number> => {
    const now = Math.floor(Date.now() / 1000);
    let deleted = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: options.tableName,
          ProjectionExpression: 'pk',
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = page.Items ?? [];
      for (let i = 0; i < keys.length; i += 25) {
        const batch = keys.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
        await client.send(new BatchWriteItemCommand({ RequestItems: { [options.tableName]: batch } }));
        deleted += batch.length;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  };

  // One sweep at a time, and stop() waits for the running one: closing dynalite under a live scan makes its
  // level iterator throw ("Iterator is not open") outside any promise we hold.
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepExpired()
      .then(() => undefined)
      .catch((error) => console.error('[dynamodb] TTL sweep failed:', error))
      .finally(() => {
        running = undefined;
      });
  }, options.sweepIntervalMs ?? 60_000);
  timer.unref();

  return {
    endpoint,
    port,
    sweepExpired,
    stop: async () => {
      clearInterval(timer);
      await running;
      client.destroy();
      await closeServer(server);
    },
  };
}

export async function ensureConnectionsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  // Same shape as the CDK data stack: pk only, GSI byRoom (roomId, pk), projection ALL (docs/contracts.md).
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'roomId', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byRoom',
          KeySchema: [
            { AttributeName: 'roomId', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}
