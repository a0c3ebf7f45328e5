import { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureConnectionsTable } from '../../../local/standins/dynamodb';
// dynalite ships no types; its default export returns a plain http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => import('node:http').Server;

export interface DynaliteTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  close(): Promise<void>;
}

/** An in-memory dynalite on a free port with the connections table of docs/contracts.md (pk, GSI byRoom). */
export async function startConnectionsTable(): Promise<DynaliteTable> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `connections-${Math.random().toString(36).slice(2)}`;
  // The stand-in's own definition (docs/contracts.md), so this table cannot drift from what npm start creates.
  await ensureConnectionsTable(raw, tableName);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    tableName,
    close: async () => {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
