/*
 * npm run bench:whiteboard [-- --clients=20 --rate=10 --strokes=10000 --redis=cluster]
 *
 * C simulated pages in one room, each drawing R pen strokes a second, through the local gateway and the RoomSocket
 * handler (Redis log, compaction into PostgreSQL), until S strokes are drawn. Each page is the browser's own
 * BoardSync (test/support/board-client.ts: the room socket as the page opens it, `join`, y-protocols sync, the
 * page's throttle of one frame per 80 ms); all pages live in this process, so one clock times everything.
 * - latency: a stroke committed on its page → the stroke in another page's document, for every other page;
 * - bytes per stroke: the `wb.sync` frames a sender writes, and the ones each other page receives;
 * - snapshot: the board's compacted snapshot in PostgreSQL after S strokes (the stop-time compaction, on demand).
 * `--redis=cluster` runs the live side on the local three-master Redis Cluster at 127.0.0.1:7379 (as ElastiCache
 * Serverless runs it) instead of `npm start`'s in-process emulation, whose Lua scripts run in a Lua VM in JavaScript.
 * References, same run: (1) latency of the same gateway and handler chain without the board (`wb.cursor` frames,
 * relayed to the room, never stored: the floor any relay on @connections meets), at the same rate from the same
 * pages; (2) the same strokes as plain JSON (per stroke, and the whole board as one JSON document), and what a
 * naive "send the whole board on every stroke" sync would have put on the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { startLocalCloud } from '../local/cloud';
import { RedisWhiteboardLive } from '../functions/room/whiteboard/board-live';
import { SqlWhiteboardStore } from '../functions/room/whiteboard/board-store';
import { compactAllWhiteboards } from '../functions/room/whiteboard/board-compaction';
import { mainBoard } from '../functions/room/whiteboard/board-ref';
import { WHITEBOARD_ITEMS, type WhiteboardItem } from '../functions/shared/protocol/whiteboard';
import { boardOfStrokes, handDrawnStroke } from '../test/support/board-strokes';
import { BoardClient, type BoardClientOptions } from '../test/support/board-client';
import { CLUSTER_URL, removeKeysUnder } from '../test/support/redis-cluster';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.split('=')[1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const CLIENTS = arg('clients', 20);
const RATE = arg('rate', 10);
const STROKES = arg('strokes', 10_000);
const CLUSTER = process.argv.includes('--redis=cluster');
/** Seconds of cursor traffic for the relay reference. */
const CURSOR_SECONDS = 10;

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  process.env.LIMITS_JSON = JSON.stringify({ signIn: { max: 1000, windowSeconds: 60 } });
  process.env.ROOM_MAX_PARTICIPANTS = String(Math.max(CLIENTS, 8));
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-wb-'));
  const prefix = `bench-wb-${Date.now().toString(36)}:`;
  if (CLUSTER) process.env.REDIS_PREFIX = prefix;
  const cloud = await startLocalCloud({
    port: 0,
    dataDir,
    quiet: true,
    worker: false,
    buildFrontend: false,
    ...(CLUSTER ? { redisUrl: CLUSTER_URL, redisCluster: true } : {}),
  });
  try {
    const committedAt = new Map<string, number>();
    const latencies: number[] = [];
    const cursorLatencies: number[] = [];
    let sentBytes = 0;
    let receivedBytes = 0;
    let measuring = false;

    const clients: BoardClient[] = [];
    const watch = (client: BoardClient) => {
      client.sync.items.observe((event: Y.YMapEvent<WhiteboardItem>) => {
        const now = performance.now();
        for (const [key, change] of event.changes.keys) {
          const t0 = committedAt.get(key);
          if (change.action === 'add' && t0 !== undefined && !key.startsWith(client.name)) latencies.push(now - t0);
        }
      });
    };
    const options: BoardClientOptions = {
      onSend: (frame) => {
        if (measuring && frame.startsWith('{"type":"wb.sync"')) sentBytes += Buffer.byteLength(frame);
      },
      onMessage: (m, raw) => {
        if (!measuring) return;
        if (m.type === 'wb.sync') receivedBytes += Buffer.byteLength(raw);
        if (m.type === 'wb.cursor' && m.at) cursorLatencies.push(performance.now() - m.at.x);
      },
    };
    const first = await BoardClient.join(cloud, 'p00', undefined, options);
    clients.push(first);
    for (let i = 1; i < CLIENTS; i += 1) {
      clients.push(await BoardClient.join(cloud, `p${String(i).padStart(2, '0')}`, first.roomId, options));
    }
    clients.forEach(watch);
    process.stdout.write(`${CLIENTS} pages in one room through ${cloud.url}\n`);

    // Reference 1: the same pages relay cursors at the same rate (gateway + handler, nothing stored).
    measuring = true;
    const cursorEnd = performance.now() + CURSOR_SECONDS * 1000;
    await Promise.all(
      clients.map(async (c, i) => {
        await sleep((i * 1000) / RATE / CLIENTS);
        while (performance.now() < cursorEnd) {
          c.send({ type: 'wb.cursor', at: { x: performance.now(), y: 0 } });
          await sleep(1000 / RATE);
        }
      }),
    );
    await sleep(1000);
    const cursorSummary = summary(cursorLatencies);

    // The board: every page draws RATE strokes a second until STROKES in all.
    sentBytes = 0;
    receivedBytes = 0;
    const perClient = Math.ceil(STROKES / CLIENTS);
    const started = performance.now();
    let jsonPerStroke = 0;
    await Promise.all(
      clients.map(async (c, i) => {
        await sleep((i * 1000) / RATE / CLIENTS);
        const t0 = performance.now();
        for (let n = 0; n < perClient; n += 1) {
          const key = `${c.name}-${n}`;
          const item = handDrawnStroke(c.name, i * perClient + n);
          jsonPerStroke += Buffer.byteLength(JSON.stringify({ type: 'stroke', id: key, item }));
          committedAt.set(key, performance.now());
          c.sync.edit((items) => items.set(key, item));
          // Paced against the start, so a slow tick does not lower the rate.
          const due = t0 + ((n + 1) * 1000) / RATE;
          await sleep(Math.max(0, due - performance.now()));
        }
      }),
    );
    const drawnIn = (performance.now() - started) / 1000;
    const total = perClient * CLIENTS;
    // A backlog drains after the last stroke: wait for it (bounded), and say how long it took.
    const drawn = performance.now();
    const deadline = Date.now() + 300_000;
    while (clients.some((c) => c.sync.items.size < total) && Date.now() < deadline) await sleep(100);
    const drainSeconds = (performance.now() - drawn) / 1000;
    measuring = false;
    const behind = clients.filter((c) => c.sync.items.size !== total).map((c) => `${c.name}: ${c.sync.items.size}`);
    const errors = clients.flatMap((c) => c.errors());

    // The room handler's own compaction, on demand (as on stop); no room handler module is loaded here before
    // the cloud starts, so LIMITS_JSON above reaches it.
    const store = new SqlWhiteboardStore();
    await compactAllWhiteboards({ whiteboardLive: new RedisWhiteboardLive(), whiteboardStore: store, now: Date.now });
    const stored = await store.get(mainBoard(first.roomId));
    const snapshot = stored?.snapshot.length ?? 0;
    // What a late joiner gets: the stored board must hold every stroke (an edit the server never took leaves a gap,
    // and the same author's later strokes wait behind it in every joiner's document).
    const storedDoc = new Y.Doc();
    if (stored) Y.applyUpdate(storedDoc, stored.snapshot);
    const storedItems = storedDoc.getMap(WHITEBOARD_ITEMS).size;
    const boardJson = Buffer.byteLength(JSON.stringify(Object.fromEntries(first.sync.items.entries())));
    // Naive sync: every stroke sends the whole board as JSON (average board = half the final one).
    const naivePerStroke = boardJson / 2;
    const gridNow = boardOfStrokes(total, CLIENTS).length;
    const gridTenths = boardOfStrokes(total, CLIENTS, 'tenths').length;

    const lines = [
      '',
      `Whiteboard (${CLUSTER ? 'Redis Cluster' : 'in-process Redis emulation'}): ${CLIENTS} pages × ${RATE} strokes/s, ${total} strokes in ${drawnIn.toFixed(1)} s ` +
        `(${(total / drawnIn).toFixed(0)} strokes/s), every page converged: ${behind.length === 0 ? `yes, ${drainSeconds.toFixed(1)} s after the last stroke` : `NO after ${drainSeconds.toFixed(0)} s (${behind.join(', ')})`}`,
      `  stroke latency, committed → in another page's document (${CLIENTS - 1} receivers each): ${summary(latencies)}`,
      `  reference, same gateway and handler without the board (wb.cursor relay): ${cursorSummary}`,
      `  on the wire per stroke: sent ${(sentBytes / total).toFixed(0)} B (Yjs update in base64 JSON frames), ` +
        `received ${(receivedBytes / total / (CLIENTS - 1)).toFixed(0)} B per receiving page`,
      `  reference: the same stroke as plain JSON ${(jsonPerStroke / total).toFixed(0)} B; ` +
        `naive full-board broadcast ${kb(naivePerStroke)} per stroke on average`,
      `  snapshot after ${total} strokes: ${kb(snapshot)} (${(snapshot / total).toFixed(0)} B/stroke); ` +
        `holding ${storedItems} of the ${total} strokes; the same board as one JSON document: ${kb(boardJson)}`,
      `  strokes like these, one document per page merged: ${kb(gridNow)} on the page's grid (eighths), ` +
        `reference ${kb(gridTenths)} on the former grid (tenths): ${(gridNow / gridTenths).toFixed(2)}×`,
      `  errors: ${errors.length === 0 ? 'none' : errors.slice(0, 5).join('; ')}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    for (const c of clients) c.close();
    if (behind.length > 0 || errors.length > 0 || storedItems !== total) process.exitCode = 1;
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (CLUSTER) await removeKeysUnder({ redisUrl: CLUSTER_URL, redisCluster: true }, prefix);
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
