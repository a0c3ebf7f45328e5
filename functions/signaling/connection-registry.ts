import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';

/** `user`: a signed-in user's own socket (Recordings page), filed under the synthetic room `user:{sub}`. */
export type ConnectionKind = 'peer' | 'room' | 'user';
/**
 * The synthetic byRoom key of a user's own sockets: the owner-only push (recording status) reuses the room index,
 * so no table or index change is needed. Room ids are Crockford base32 groups and can never start with `user:`.
 */
export const userRoomKey = (sub: string) => `user:${sub}`;

export type RoomRole = 'host' | 'cohost' | 'member' | 'lobby';

/** One WebSocket connection (item `CONN#{connectionId}`), written at $connect from the authorizer context. */
export interface ConnectionRecord {
  connectionId: string;
  kind: ConnectionKind;
  roomId: string;
  sub: string;
  name: string;
  role: RoomRole;
  /** On a room socket; on a peer socket only when it owns its id (claimed or rebound); absent when the id was taken by someone else. */
  peerId?: string;
  /** Epoch milliseconds. */
  connectedAt: number;
  /** Epoch seconds (DynamoDB TTL); set by the adapter when omitted. */
  ttl?: number;
}

/** Which socket currently speaks for a PeerJS id (item `PEER#{peerId}`). */
export interface PeerBinding {
  peerId: string;
  connectionId: string;
  roomId: string;
  sub: string;
  /** The ticket role at claim time, so the relay can keep lobby peers out of calls without a second read. */
  role?: RoomRole;
  ttl: number;
}

export interface ClaimPeerIdInput {
  peerId: string;
  connectionId: string;
  roomId: string;
  sub: string;
  role?: RoomRole;
}

/**
 * 'claimed': the id was free. 'rebound': the same identity held it (reload, reconnect) and now the new socket does.
 * 'taken': another identity holds it; the caller must send ID-TAKEN.
 */
export type ClaimResult = 'claimed' | 'rebound' | 'taken';

/** The rebound case also says which connection lost the id, so the caller can close it. */
export interface ClaimOutcome {
  result: ClaimResult;
  previousConnectionId?: string;
}

export interface ConnectionRegistry {
  putConnection(record: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  deleteConnection(connectionId: string): Promise<void>;
  claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult>;
  /** Same as claimPeerId, plus the connection that held the id before a rebind. */
  claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome>;
  /** Releases the id only if `connectionId` still holds it; true when it did (a rebound id is left alone). */
  releasePeerId(peerId: string, connectionId: string): Promise<boolean>;
  findPeer(peerId: string): Promise<PeerBinding | undefined>;
  /** Every connection in the room, all pages of the byRoom index; `kind` narrows to one socket type. */
  listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]>;
}

// API Gateway closes every WebSocket after 2 h; an hour of slack covers a $disconnect that never arrived.
export const RECORD_TTL_SECONDS = 3 * 60 * 60;

const connKey = (connectionId: string) => `CONN#${connectionId}`;
const peerKey = (peerId: string) => `PEER#${peerId}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

function toConnectionRecord(item: Record<string, unknown>): ConnectionRecord {
  const { pk: _pk, ...record } = item;
  return record as unknown as ConnectionRecord;
}

/** The DynamoDB adapter over the table described in docs/contracts.md (pk, TTL `ttl`, GSI `byRoom`). */
export class DynamoConnectionRegistry implements ConnectionRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putConnection(record: ConnectionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: connKey(record.connectionId), ...record, ttl: record.ttl ?? nowSeconds() + RECORD_TTL_SECONDS },
      }),
    );
  }

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: connKey(connectionId) }, ConsistentRead: true }),
    );
    return Item ? toConnectionRecord(Item) : undefined;
  }

  async deleteConnection(connectionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: connKey(connectionId) } }));
  }

  async claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    return (await this.claimPeerIdDetailed(input)).result;
  }

  async claimPeerIdDetailed({ peerId, connectionId, roomId, sub, role }: ClaimPeerIdInput): Promise<ClaimOutcome> {
    const now = nowSeconds();
    try {
      const { Attributes: previous } = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: peerKey(peerId), peerId, connectionId, roomId, sub, role, ttl: now + RECORD_TTL_SECONDS },
          // TTL deletion lags by up to two days, so an expired binding counts as free rather than blocking the id.
          ConditionExpression: 'attribute_not_exists(pk) OR #sub = :sub OR #ttl < :now',
          ExpressionAttributeNames: { '#sub': 'sub', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':sub': sub, ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const live = previous && previous.sub === sub && (previous.ttl as number) >= now;
      return live
        ? { result: 'rebound', previousConnectionId: previous.connectionId as string }
        : { result: 'claimed' };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { result: 'taken' };
      throw error;
    }
  }

  async releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: peerKey(peerId) },
          // A reconnect may already have rebound the id to a newer socket; the old socket's close must not free it.
          ConditionExpression: '#c = :c',
          ExpressionAttributeNames: { '#c': 'connectionId' },
          ExpressionAttributeValues: { ':c': connectionId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async findPeer(peerId: string): Promise<PeerBinding | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: peerKey(peerId) }, ConsistentRead: true }),
    );
    if (!Item || (Item.ttl as number) < nowSeconds()) return undefined;
    const { pk: _pk, ...binding } = Item;
    return binding as PeerBinding;
  }

  async listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    const records: ConnectionRecord[] = [];
    let startKey: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byRoom',
          // PEER# items share the room partition; only CONN# items are connections.
          KeyConditionExpression: 'roomId = :r AND begins_with(pk, :conn)',
          ...(kind ? { FilterExpression: '#kind = :k', ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
          ExpressionAttributeValues: { ':r': roomId, ':conn': 'CONN#', ...(kind ? { ':k': kind } : {}) },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) records.push(toConnectionRecord(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}

let shared: ConnectionRegistry | undefined;

/** The registry over CONNECTIONS_TABLE with the shared DynamoDB client (one per container). */
export function connectionRegistry(): ConnectionRegistry {
  return (shared ??= new DynamoConnectionRegistry(dynamo(), requireEnv('CONNECTIONS_TABLE')));
}
