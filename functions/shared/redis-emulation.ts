import { exists, getKeyIndexes } from '@ioredis/commands';
import calculateSlot from 'cluster-key-slot';
import Redis, { ReplyError } from 'ioredis';

/** What Valkey and Redis Cluster answer (and ioredis rejects with) when one request spans hash slots. */
export const CROSSSLOT_MESSAGE = "CROSSSLOT Keys in request don't hash to the same slot";

/**
 * The in-process Redis of `npm start` and the tests (ioredis-mock), made as strict as ElastiCache Serverless about
 * hash slots: a multi-key command, a Lua script (EVAL/EVALSHA) or a MULTI/EXEC transaction whose keys span more
 * than one slot fails with CROSSSLOT, as it would in AWS. ioredis-mock itself accepts them (so does a single Redis
 * node), which let a cross-slot MULTI pass every local test and fail only after deploy.
 * Plain pipelines are not checked: ElastiCache Serverless serves every slot behind one endpoint, so a pipeline of
 * single-key commands over several slots works there.
 */
export function createRedisEmulation(options: { keyPrefix?: string } = {}): Redis {
  // Loaded here, not at the top: the emulator is never bundled into a Lambda (lib/ marks it external).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RedisMock = require('ioredis-mock') as typeof Redis;
  const client = new RedisMock(options);
  const prefix = options.keyPrefix ?? '';
  const mock = client as unknown as Record<string, unknown>;

  for (const name of Object.keys(mock)) {
    const command = mock[name];
    if (typeof command !== 'function' || !isKeyedCommand(name)) continue;
    mock[name] = (...args: unknown[]) => {
      const slots = slotsOf(name, args, prefix);
      if (slots.size > 1) return Promise.reject(new ReplyError(CROSSSLOT_MESSAGE));
      return (command as (...a: unknown[]) => unknown).apply(client, args);
    };
  }

  const multi = mock.multi as (...a: unknown[]) => Record<string, unknown>;
  mock.multi = (...args: unknown[]) => {
    const transaction = multi.apply(client, args);
    const slots = new Set<number>();
    const add = transaction._addTransaction as (...a: unknown[]) => unknown;
    // ioredis-mock queues every command of the transaction through this one method, with flattened arguments.
    transaction._addTransaction = (emulator: unknown, name: string, commandArgs: unknown[], callback: unknown) => {
      for (const slot of slotsOf(name, commandArgs, prefix)) slots.add(slot);
      return add.call(transaction, emulator, name, commandArgs, callback);
    };
    const exec = transaction.exec as (...a: unknown[]) => Promise<unknown>;
    transaction.exec = (...execArgs: unknown[]) => {
      if (slots.size > 1) return Promise.reject(new ReplyError(CROSSSLOT_MESSAGE));
      return exec.apply(transaction, execArgs);
    };
    return transaction;
  };
  return client;
}

function isKeyedCommand(name: string): boolean {
  return exists(name.replace(/Buffer$/, ''));
}

/** The hash slots a command's keys fall in, with the client's key prefix in front as the server would see them. */
function slotsOf(name: string, args: unknown[], prefix: string): Set<number> {
  const flat = flatten(args);
  let indexes: number[];
  try {
    indexes = getKeyIndexes(name.replace(/Buffer$/, ''), flat);
  } catch {
    return new Set();
  }
  return new Set(indexes.map((i) => calculateSlot(`${prefix}${String(flat[i])}`)));
}

/** Arguments as ioredis sends them: arrays and objects spread into one flat list (callbacks dropped). */
function flatten(args: unknown[]): (string | Buffer | number)[] {
  const out: (string | Buffer | number)[] = [];
  for (const arg of args) {
    if (typeof arg === 'function' || arg === undefined) continue;
    if (Array.isArray(arg)) out.push(...flatten(arg));
    else if (arg instanceof Map) out.push(...flatten([...arg.entries()].flat()));
    else if (Buffer.isBuffer(arg) || typeof arg === 'number') out.push(arg);
    else if (typeof arg === 'object' && arg !== null) out.push(...flatten(Object.entries(arg).flat()));
    else out.push(String(arg));
  }
  return out;
}
