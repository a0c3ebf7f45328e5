import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type WebSocket from 'ws';
import { credentialSocket } from '../../support/credential-socket';
import { issueMemberTicket } from '../../support/member-ticket';
import { startLocalCloud, type LocalCloud } from '../../../local/cloud';
import { TABLE_NAME } from '../../../local/names';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/standins/sdk-config';
import { startDynamo } from '../../../local/standins/dynamodb';

/*
 * Ctrl-C on `npm start` while people are still in a meeting: the gateway closes their sockets first and the
 * $disconnect handlers run to the end before DynamoDB stops, so the next start has no ghost participants
 * (a stale peer binding would make that peer id answer ID-TAKEN for hours). The table is read back afterwards
 * from the data folder by a fresh DynamoDB stand-in, as the next `npm start` would.
 */
let dataDir: string;
let cloud: LocalCloud | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cn-shutdown-'));
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () => startLocalCloud({ port: 0, dataDir, quiet: true, worker: false, buildFrontend: false });

async function openPeer(c: LocalCloud, peerId: string): Promise<WebSocket> {
  const token = await issueMemberTicket({ sub: `u-${peerId}`, name: peerId, roomId: 'room-x', peerId, role: 'member' });
  const ws = credentialSocket(`${c.url.replace('http', 'ws')}/peerjs?key=peerjs&id=${peerId}`, token, {
    origin: c.url,
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'OPEN') resolve();
    });
    ws.once('error', reject);
  });
  return ws;
}

async function item(endpoint: string, pk: string) {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const out = await client.send(
      new GetItemCommand({ TableName: TABLE_NAME, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    return out.Item;
  } finally {
    client.destroy();
  }
}

it('runs every open socket’s $disconnect before the stand-ins stop, so a restart finds no ghosts', async () => {
  cloud = await start();
  const sockets = await Promise.all(['ann', 'ben', 'cat'].map((id) => openPeer(cloud!, id)));
  expect(await item(cloud.env.AWS_ENDPOINT_URL_DYNAMODB!, 'PEER#ann')).toBeDefined();
  const closed = sockets.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));

  await cloud.stop(); // the sockets are still open: stop closes them
  expect(await Promise.all(closed)).toEqual([1001, 1001, 1001]);

  cloud = undefined;

  const table = await startDynamo({ dir: join(dataDir, 'dynamodb'), tableName: TABLE_NAME });
  try {
    for (const id of ['ann', 'ben', 'cat']) expect(await item(table.endpoint, `PEER#${id}`)).toBeUndefined();
  } finally {
    await table.stop();
  }
}, 120_000);
