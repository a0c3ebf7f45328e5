/**
 * The whiteboard outlives a restart of `npm start`: pages draw through the local gateway, every page closes, the
 * local cloud is stopped with Ctrl-C (SIGINT) and started again on the same data folder, and a new page sees every
 * stroke. The live log lives in the in-process Redis, which ends with the process; only what was compacted into
 * PostgreSQL (PGlite in the data folder) can come back, so the stop must compact. The cloud runs as `npm start`
 * runs it (a child process), because only a real process exit loses the in-process Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBoard } from '../../../frontend/src/features/whiteboard/board-sync';
import type { WhiteboardItem } from '../../../functions/shared/protocol/whiteboard';
import { BoardClient, type CloudAddress } from '../../support/board-client';

jest.setTimeout(400_000);

const REPO = join(__dirname, '../../..');

interface Started {
  child: ChildProcess;
  cloud: CloudAddress;
  output: string[];
}

/** The in-process Redis emulation, as `npm start` uses it with nothing configured. */
const { REDIS_URL: _url, REDIS_CLUSTER: _cluster, ...withoutRedis } = process.env;

/** `npm start` on `dataDir` (a free port, no worker); resolves once it says where it runs. */
function start(dataDir: string): Promise<Started> {
  const child = spawn(join(REPO, 'node_modules/.bin/tsx'), ['local/main.ts'], {
    cwd: REPO,
    env: { ...withoutRedis, PORT: '0', DATA_DIR: dataDir, LOCAL_WORKER: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 240 s:\n${output.join('')}`)), 240_000);
    let started = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const url = /running at (http:\/\/[^\s]+)/.exec(output.join(''))?.[1];
      if (!url || started) return;
      started = true;
      clearTimeout(timer);
      resolve({ child, cloud: { url, port: Number(new URL(url).port) }, output });
    });
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.join('')}`)));
  });
}

function stop(s: Started): Promise<number | null> {
  if (s.child.exitCode !== null) return Promise.resolve(s.child.exitCode);
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGINT');
  });
}

const stroke = (owner: string, n: number): WhiteboardItem => ({
  kind: 'pen',
  owner,
  colour: '#112233',
  width: 3,
  points: [n, n, n + 10, n + 4, n + 20, n + 12],
  order: n,
});

describe('the whiteboard across a restart of the local cloud', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wb-restart-'));
  let running: Started | undefined;

  afterAll(async () => {
    if (running) await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every stroke drawn before Ctrl-C, with no page left to bring them back', async () => {
    running = await start(dataDir);
    const ana = await BoardClient.join(running.cloud, 'Ana');
    const bob = await BoardClient.join(running.cloud, 'Bob', ana.roomId);
    // Fewer updates than a compaction waits for, and well within its 30 s: all of it is in the live log only.
    for (let i = 0; i < 6; i += 1) {
      ana.sync.edit((items) => items.set(`ana-${i}`, stroke('ana', i)));
      bob.sync.edit((items) => items.set(`bob-${i}`, stroke('bob', 100 + i)));
      ana.sync.flush();
      bob.sync.flush();
    }
    await ana.until(() => ana.sync.items.size === 12 && bob.sync.items.size === 12, 'both boards to show 12 items');
    const before = canonicalBoard(ana.sync.items);
    ana.close();
    bob.close();

    const stopped = running;
    running = undefined;
    expect(await stop(stopped)).toBe(0);
    expect(stopped.output.join('')).toContain('whiteboard: compacted 1 board(s) into PostgreSQL');
    running = await start(dataDir);

    const cara = await BoardClient.join(running.cloud, 'Cara', ana.roomId);
    await cara.until(() => cara.sync.items.size === 12, "Cara's board to show 12 items");
    expect(canonicalBoard(cara.sync.items)).toBe(before);
    expect(cara.errors()).toEqual([]);
    cara.close();
  });
});
