/*
 * The Data API emulator as its own process: PGlite loads its WebAssembly through a dynamic import that jest's VM
 * refuses (no --experimental-vm-modules), and `npm start` runs it outside the Lambda code anyway.
 * Usage: tsx data-api-server.ts <pglite|postgres://...>; prints {"port":n} once listening; exits when stdin closes.
 */
import { createServer } from 'node:http';
import { RdsDataApi } from '../../local/emulators/rds-data-api';
import { closeServer, listenLoopback } from '../../local/standins/listen';
import type { PgBackend } from '../../local/standins/pg-backend';
import { PgliteBackend } from '../../local/standins/pglite-backend';
import { PostgresBackend } from '../../local/standins/postgres-backend';

async function main(target: string): Promise<void> {
  const backend: PgBackend = target === 'pglite' ? await PgliteBackend.open(undefined) : new PostgresBackend(target);
  const dataApi = new RdsDataApi(backend);
  const server = createServer((req, res) => {
    void dataApi.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname);
  });
  const port = await listenLoopback(server);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const stop = async () => {
    await closeServer(server);
    await dataApi.close();
    await backend.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
}

main(process.argv[2] ?? 'pglite').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
