import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { leaseKey } from './lease-names';

/*
 * A mutual-exclusion lease in the DynamoDB connections table: one item per lease name, taken with a conditional put
 * (free, or its holder's expiry has passed) and given back with a conditional delete (only by its holder). It keeps
 * runs of one function from overlapping without reserved concurrency, which an account whose concurrency quota is
 * 10 (new accounts) cannot grant.
 *
 * The expiry is what makes a crashed or timed-out holder harmless: it must lie beyond the latest moment the holder
 * can still be running (its Lambda deadline), so a live holder never loses the lease to the next run.
 */

/** How long an expired lease item stays in the table before DynamoDB's TTL removes it (it is harmless meanwhile). */
const TTL_GRACE_SECONDS = 3600;

export interface LeaseOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly name: string;
  /** How long the lease is held at most (ms): beyond the holder's own deadline. */
  readonly holdMs: number;
  /** How long to wait for a busy lease before giving up (ms); 0 tries once. */
  readonly waitMs: number;
  /** Pause between tries (ms). @default 250 */
  readonly retryMs?: number;
  readonly now?: () => number;
}

/** The lease stayed taken for the whole wait: another run is busy (or hung, until its expiry). */
export class LeaseBusyError extends Error {
  constructor(
    readonly lease: string,
    readonly waitedMs: number,
  ) {
    super(
      `Lease ${lease} is held by another run; gave up after waiting ${Math.round(waitedMs / 1000)} s ` +
        '(an async invocation is retried by Lambda; the next scheduled run tries again)',
    );
    this.name = 'LeaseBusyError';
  }
}

/** Runs `work` while holding the lease, waiting up to `waitMs` for it; gives it back afterwards, whatever happens. */
export async function withLease<T>(options: LeaseOptions, work: () => Promise<T>): Promise<T> {
  const owner = await acquire(options);
  try {
    return await work();
  } finally {
    await release(options, owner);
  }
}

async function acquire(options: LeaseOptions): Promise<string> {
  const now = options.now ?? Date.now;
  const owner = randomUUID();
  const started = now();
  for (;;) {
    const at = now();
    const expiresAt = at + options.holdMs;
    try {
      await options.client.send(
        new PutCommand({
          TableName: options.tableName,
          Item: {
            pk: leaseKey(options.name),
            owner,
            expiresAt,
            ttl: Math.ceil(expiresAt / 1000) + TTL_GRACE_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': at },
        }),
      );
      return owner;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const waited = now() - started;
    if (waited >= options.waitMs) throw new LeaseBusyError(options.name, waited);
    await sleep(Math.min(options.retryMs ?? 250, options.waitMs - waited));
  }
}

async function release(options: LeaseOptions, owner: string): Promise<void> {
  try {
    await options.client.send(
      new DeleteCommand({
        TableName: options.tableName,
        Key: { pk: leaseKey(options.name) },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    // Our lease expired and another run holds it now: it is theirs to give back.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
