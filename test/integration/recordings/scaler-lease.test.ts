import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseBusyError, withLease, type LeaseOptions } from '../../../functions/shared/lease';
import { leaseKey, LEASES } from '../../../functions/shared/lease-names';
import { startConnectionsTable, type DynaliteTable } from '../signaling/dynalite-table';

/*
 * The scaler's one-run-at-a-time lease (functions/shared/lease.ts) against the local DynamoDB stand-in, through the
 * real SDK: conditional writes are where the guarantee lives, so they run for real.
 */
let table: DynaliteTable;
beforeAll(async () => {
  table = await startConnectionsTable();
});
afterAll(async () => {
  await table.close();
});

const options = (overrides: Partial<LeaseOptions> = {}): LeaseOptions => ({
  client: table.client,
  tableName: table.tableName,
  name: `${LEASES.scaler}-${Math.random().toString(36).slice(2)}`,
  holdMs: 60_000,
  waitMs: 60_000,
  retryMs: 20,
  ...overrides,
});

/** A promise with its resolver, so a test decides when a run ends. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('GIVEN a run holding the lease WHEN a second run starts THEN it waits and runs only after the first ends', async () => {
  const lease = options();
  const events: string[] = [];
  const firstMayEnd = gate();
  const firstStarted = gate();
  const first = withLease(lease, async () => {
    events.push('first start');
    firstStarted.open();
    await firstMayEnd.promise;
    events.push('first end');
    return 1;
  });
  await firstStarted.promise;
  let clockReads = 0;
  const triedAndWaits = gate();
  const second = withLease(
    {
      ...lease,
      now: () => {
        // Read at the start, per try, and after each refused try: three reads mean it was refused once.
        if (++clockReads === 3) triedAndWaits.open();
        return Date.now();
      },
    },
    async () => {
      events.push('second start');
      return 2;
    },
  );
  await triedAndWaits.promise;
  firstMayEnd.open();
  await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
  expect(events).toEqual(['first start', 'first end', 'second start']);
  // Given back: no item is left behind.
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: leaseKey(lease.name) }, ConsistentRead: true }),
  );
  expect(Item).toBeUndefined();
});

test('GIVEN many runs at once THEN no two overlap and every one runs', async () => {
  const lease = options();
  let running = 0;
  let most = 0;
  const ran = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      withLease(lease, async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return i;
      }),
    ),
  );
  expect(ran).toEqual([0, 1, 2, 3, 4]);
  expect(most).toBe(1);
}, 60_000);

test('GIVEN a run that failed THEN the lease is given back and the error reaches the caller', async () => {
  const lease = options();
  await expect(
    withLease(lease, async () => {
      throw new Error('Auto Scaling group fleet not found');
    }),
  ).rejects.toThrow('Auto Scaling group fleet not found');
  await expect(withLease({ ...lease, waitMs: 0 }, async () => 'next')).resolves.toBe('next');
});

test('GIVEN a lease left by a run that crashed (expired) THEN the next run takes it over at once', async () => {
  const lease = options({ waitMs: 0 });
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: leaseKey(lease.name), owner: 'crashed-run', expiresAt: Date.now() - 1000, ttl: 0 },
    }),
  );
  await expect(withLease(lease, async () => 'took over')).resolves.toBe('took over');
});

test('GIVEN a lease that stays held past the wait THEN the run gives up with a clear, retryable error', async () => {
  const lease = options({ waitMs: 50 });
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { pk: leaseKey(lease.name), owner: 'hung-run', expiresAt: Date.now() + 60_000, ttl: 0 },
    }),
  );
  let ran = false;
  const attempt = withLease(lease, async () => {
    ran = true;
  });
  await expect(attempt).rejects.toBeInstanceOf(LeaseBusyError);
  await expect(attempt).rejects.toThrow(/Lease scaler-\w+ is held by another run; gave up after waiting/);
  expect(ran).toBe(false);
  // The holder's item is untouched: only its owner gives it back.
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: leaseKey(lease.name) }, ConsistentRead: true }),
  );
  expect(Item).toMatchObject({ owner: 'hung-run' });
});

test('GIVEN a run whose lease expired and was taken over THEN finishing late does not free the new holder', async () => {
  const lease = options({ holdMs: 1 });
  await withLease(lease, async () => {
    // Our 1 ms lease is long expired: another run takes it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: leaseKey(lease.name), owner: 'next-run', expiresAt: Date.now() + 60_000, ttl: 0 },
      }),
    );
  });
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: leaseKey(lease.name) }, ConsistentRead: true }),
  );
  expect(Item).toMatchObject({ owner: 'next-run' });
});
