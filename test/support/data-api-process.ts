/*
 * The Data API emulator in a child process, shared by the integration suites that need SQL without a whole local
 * cloud: PGlite loads its WebAssembly through a dynamic import that jest's VM refuses, so it runs outside jest.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export type BackendKind = 'pglite' | 'postgres';

const TSX_CLI = require.resolve('tsx/cli');

/**
 * Whether PostgreSQL answers on 127.0.0.1:5432. Synchronous because jest collects `describe.each` tables before any
 * hook runs.
 */
export function postgresAnswers(): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').connect(5432,'127.0.0.1');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),500)",
    ],
    { timeout: 3000 },
  );
  return probe.status === 0;
}

/** Starts the emulator over `target` ('pglite' or a postgres:// URL) and resolves with its port once it listens. */
export function startDataApiProcess(target: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX_CLI, join(__dirname, 'data-api-server.ts'), target], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('Data API emulator did not start within 60 s'));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve({ port: (JSON.parse(line) as { port: number }).port, child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Data API emulator exited with ${code}`));
    });
  });
}
