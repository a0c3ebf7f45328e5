/*
 * This machine's PostgreSQL (trust auth on 127.0.0.1:5432), as every integration suite reaches it: one home for its
 * address, so a suite's throw-away databases are created, used and dropped on the same server.
 */
import { Client } from 'pg';

export const POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432';

export const databaseUrl = (database: string) => `${POSTGRES_SERVER}/${database}`;

/** The maintenance database, where CREATE DATABASE and DROP DATABASE run. */
export const POSTGRES_ADMIN_URL = databaseUrl('postgres');

/** Runs `work` on a connection to `database` (`postgres` for CREATE/DROP DATABASE) and closes it. */
export async function onDatabase<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
