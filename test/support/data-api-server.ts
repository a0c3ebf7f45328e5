/*
 * The Data API emulator as its own process: PGlite loads its WebAssembly through a dynamic import that jest's VM
 * refuses (no --experimental-vm-modules), and `npm start` runs it outside the Lambda code anyway.
 * Usage: tsx data-api-server.ts <pglite|postgres://...>; prints {"port":n} once listening; exits when stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RdsDataApi } from '../../local/emulators/rds-data-api';
import { closeServer, listenLoopback } from '../../local/standins/listen';
import type { PgBackend } from '../../local/standins/pg-backend';
import { PgliteWorkerBackend } from '../../local/standins/pglite-worker-backend';
import { PostgresBackend } from '../../local/standins/postgres-backend';

async function main(target: string): Promise<void> {
  // PGlite starts from a copy of the initialised template `npm start` keeps (pglite-worker-backend.ts): initdb in
  // WASM took 4-9 s on a quiet machine and over 60 s beside the browser suites, where this emulator failed to start.
  const scratch = target === 'pglite' ? mkdtempSync(join(tmpdir(), 'cn-data-api-')) : undefined;
  const backend: PgBackend = scratch ? await PgliteWorkerBackend.open(scratch) : new PostgresBackend(target);
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
    if (scratch) rmSync(scratch, { recursive: true, force: true });
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
