/*
 * npm run bench:signaling [-- --peers=200 --room-size=4 --candidates=12]
 *
 * N simulated PeerJS peers in rooms of R exchange what peerjs@1.5.5 sends for a call (OFFER ≈ 6.2 KB, ANSWER ≈ 5.9 KB,
 * C CANDIDATEs ≈ 0.3 KB per side, every pair of a room, all rooms at once), first through the reference PeerJS server
 * (`peer`, in-memory relay) and then through the local gateway + our Lambda handlers (authorizer, DynamoDB stand-in,
 * rate limit in Redis, @connections over HTTP), in the same process, one after the other, with the same clients.
 * Relay latency = server-stamped frame received − the same frame sent, per frame.
 *
 * Third, in the same run: the delivery floor. The same clients and frames, but each frame is handed straight to
 * PostToConnection (the call our relay Lambda makes, and the only way anything reaches an API Gateway WebSocket),
 * skipping the gateway's routing, the handler, validation and lookups. Whatever a relay on @connections does, it
 * cannot be faster than this; printed next to the target so the run shows whether 3× is reachable at all.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { PeerServer } from 'peer';
import WebSocket from 'ws';
import http from 'node:http';
import { socketProtocols } from '../functions/shared/protocol/socket-credential';
import { issueMemberTicket } from '../test/support/member-ticket';
import { postToConnection } from '../functions/shared/ws-notifier';
import { connectionRegistry } from '../functions/signaling/connection-registry';
import { startLocalCloud } from '../local/cloud';
import { NodeSha256, type LocalCredentials } from '../local/emulators/sigv4-verify';
import { SignatureV4 } from '@smithy/signature-v4';

interface Options {
  peers: number;
  roomSize: number;
  candidates: number;
}

interface Target {
  name: string;
  /** Opens the PeerJS socket for this peer, as the browser opens it against this server. */
  open(peerId: string, roomId: string): Promise<WebSocket>;
}

/**
 * How a frame leaves a simulated peer: over its own WebSocket (through the server under test), or, for the delivery
 * floor, straight into the destination's socket through @connections with the server-stamped `src` already set.
 */
type Deliver = (from: BenchPeer, frame: { type: string; dst: string; payload: Record<string, unknown> }) => void;

interface Result {
  name: string;
  frames: number;
  seconds: number;
  latenciesMs: number[];
  connectSeconds: number;
}

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.split('=')[1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const OFFER_SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n${'a=fmtp:111 minptime=10;useinbandfec=1\r\n'.repeat(150)}`;
const ANSWER_SDP = OFFER_SDP.slice(0, 5900);
const candidateLine = (n: number) =>
  `candidate:${1000 + n} 1 udp 2122260223 192.0.2.${n % 250} ${50000 + n} typ host generation 0 ufrag abcd network-id 1`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

class BenchPeer {
  private openWaiter?: () => void;
  opened = false;
  /** Listening from construction: a socket can open while later peers are still fetching their tickets. */
  readonly connected: Promise<void>;
  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    onFrame: (peer: BenchPeer, frame: Record<string, unknown>) => void,
  ) {
    this.connected = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`${id}: upgrade refused ${res.statusCode}`)));
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type === 'OPEN') {
        this.opened = true;
        this.openWaiter?.();
        return;
      }
      onFrame(this, frame);
    });
  }
  waitOpen(timeoutMs = 30_000): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id}: no OPEN within ${timeoutMs} ms`)), timeoutMs);
      this.openWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
}

async function runLoad(
  target: Target,
  o: Options,
  deliverer?: (peers: BenchPeer[]) => Promise<Deliver>,
): Promise<Result> {
  const rooms = Math.ceil(o.peers / o.roomSize);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const perPair = 2 + 2 * o.candidates;
  let expected = 0;
  for (let r = 0; r < rooms; r++) {
    const size = Math.min(o.roomSize, o.peers - r * o.roomSize);
    expected += ((size * (size - 1)) / 2) * perPair;
  }
  let received = 0;
  let lastReceived = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const stamp = `${Date.now().toString(36)}`;

  const key = (type: string, src: string, dst: string, payload: Record<string, unknown>) =>
    `${type}|${src}|${dst}|${String(payload.connectionId)}|${
      type === 'CANDIDATE' ? (payload.candidate as { candidate: string }).candidate : ''
    }`;
  let deliver: Deliver = (from, frame) => from.send(frame);
  const sendTimed = (from: BenchPeer, type: string, dst: string, payload: Record<string, unknown>) => {
    sentAt.set(key(type, from.id, dst, payload), performance.now());
    deliver(from, { type, dst, payload });
  };
  const sendCandidates = (from: BenchPeer, dst: string, connectionId: string, base: number) => {
    for (let c = 0; c < o.candidates; c++) {
      sendTimed(from, 'CANDIDATE', dst, {
        candidate: { candidate: candidateLine(base + c), sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' },
        type: 'media',
        connectionId,
      });
    }
  };

  const onFrame = (peer: BenchPeer, frame: Record<string, unknown>) => {
    const type = String(frame.type);
    const payload = (frame.payload ?? {}) as Record<string, unknown>;
    const t0 = sentAt.get(key(type, String(frame.src), peer.id, payload));
    if (t0 === undefined) {
      if (type === 'ERROR' || type === 'EXPIRE') console.error(`  ${peer.id} got ${JSON.stringify(frame)}`);
      return;
    }
    const now = performance.now();
    latencies.push(now - t0);
    received++;
    lastReceived = now;
    if (type === 'OFFER') {
      // What the callee's client does: answer, then trickle its own candidates.
      const src = String(frame.src);
      sendTimed(peer, 'ANSWER', src, {
        sdp: { type: 'answer', sdp: ANSWER_SDP },
        type: 'media',
        connectionId: payload.connectionId,
      });
      sendCandidates(peer, src, String(payload.connectionId), 500);
    }
    if (received === expected) done();
  };

  const peers: BenchPeer[][] = [];
  const connectStart = performance.now();
  const all: BenchPeer[] = [];
  for (let r = 0; r < rooms; r++) {
    const roomId = `bench-${stamp}-${r}`;
    const room: BenchPeer[] = [];
    for (let i = 0; i < o.roomSize && r * o.roomSize + i < o.peers; i++) {
      const id = `p${r}-${i}-${stamp}`;
      const ws = await target.open(id, roomId);
      const peer = new BenchPeer(id, ws, onFrame);
      room.push(peer);
      all.push(peer);
    }
    peers.push(room);
  }
  await Promise.all(all.map((p) => p.connected));
  process.stdout.write(`  ${target.name}: ${all.length} sockets connected\n`);
  await Promise.all(all.map((p) => p.waitOpen()));
  const connectSeconds = (performance.now() - connectStart) / 1000;
  if (deliverer) deliver = await deliverer(all);

  const start = performance.now();
  for (const room of peers) {
    for (let i = 0; i < room.length; i++) {
      for (let j = i + 1; j < room.length; j++) {
        const caller = room[i]!;
        const callee = room[j]!;
        const connectionId = `mc_${i}${j}${stamp}`;
        sendTimed(caller, 'OFFER', callee.id, {
          sdp: { type: 'offer', sdp: OFFER_SDP },
          type: 'media',
          connectionId,
          metadata: { kind: 'camera' },
        });
        sendCandidates(caller, callee.id, connectionId, 0);
      }
    }
  }
  const timeout = new Promise<void>((_, reject) =>
    setTimeout(() => reject(new Error(`${target.name}: ${received}/${expected} frames after 180 s`)), 180_000).unref(),
  );
  await Promise.race([finished, timeout]);
  const seconds = (lastReceived - start) / 1000;
  await Promise.all(
    all.map(
      (p) =>
        new Promise<void>((resolve) => {
          p.ws.once('close', () => resolve());
          p.ws.close();
        }),
    ),
  );
  return { name: target.name, frames: received, seconds, latenciesMs: latencies.sort((a, b) => a - b), connectSeconds };
}

/**
 * Unloaded latency: two peers pass one CANDIDATE back and forth, the next sent only when the last arrived. The first
 * WARMUP_ROUNDS are not counted (JIT, first requests on the keep-alive sockets), for every server alike.
 */
const WARMUP_ROUNDS = 50;

async function runIdle(
  target: Target,
  rounds: number,
  deliverer?: (peers: BenchPeer[]) => Promise<Deliver>,
): Promise<number[]> {
  const stamp = `i${Date.now().toString(36)}`;
  const roomId = `idle-${stamp}`;
  const latencies: number[] = [];
  let sentAt = 0;
  let next: (() => void) | undefined;
  let counted = false;
  const onFrame = () => {
    if (counted) latencies.push(performance.now() - sentAt);
    next?.();
  };
  const a = new BenchPeer(`a-${stamp}`, await target.open(`a-${stamp}`, roomId), onFrame);
  const b = new BenchPeer(`b-${stamp}`, await target.open(`b-${stamp}`, roomId), onFrame);
  await Promise.all([a.connected, b.connected, a.waitOpen(), b.waitOpen()]);
  const deliver: Deliver = deliverer ? await deliverer([a, b]) : (from, frame) => from.send(frame);
  for (let i = 0; i < WARMUP_ROUNDS + rounds; i++) {
    const [from, to] = i % 2 ? [b, a] : [a, b];
    const arrived = new Promise<void>((resolve) => (next = resolve));
    counted = i >= WARMUP_ROUNDS;
    sentAt = performance.now();
    deliver(from, {
      type: 'CANDIDATE',
      dst: to.id,
      payload: {
        candidate: { candidate: candidateLine(i), sdpMid: '0', sdpMLineIndex: 0 },
        type: 'media',
        connectionId: 'mc_idle',
      },
    });
    await arrived;
  }
  a.ws.close();
  b.ws.close();
  return latencies.sort((x, y) => x - y);
}

/**
 * A Deliver that hands each frame to `post` for the destination's connection, looked up once per peer (the relay
 * caches the same binding), with `src` stamped as the relay would.
 */
function floorDeliverer(post: (connectionId: string, frame: unknown) => Promise<unknown>) {
  return async (peers: BenchPeer[]): Promise<Deliver> => {
    const ids = new Map<string, string>();
    for (const peer of peers) {
      const binding = await connectionRegistry().findPeer(peer.id);
      if (!binding) throw new Error(`${peer.id}: no connection bound after OPEN`);
      ids.set(peer.id, binding.connectionId);
    }
    return (from, frame) => {
      post(ids.get(frame.dst)!, { ...frame, src: from.id }).catch((error: unknown) =>
        console.error(`  floor post to ${frame.dst} failed:`, error),
      );
    };
  };
}

/**
 * The transport alone: a keep-alive HTTP POST to the gateway's @connections endpoint, with the agent settings of
 * the SDK's Node handler (keep-alive, 50 sockets), signed (the endpoint takes only the local stack's own SigV4
 * signature) but without the SDK's middleware and serde.
 */
function bareHttpPost(port: number, credentials: LocalCredentials) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: NodeSha256 });
  return async (connectionId: string, frame: unknown) => {
    const body = Buffer.from(JSON.stringify(frame));
    const path = `/_aws/ws/@connections/${encodeURIComponent(connectionId)}`;
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path,
      headers: { host: `127.0.0.1:${port}`, 'content-length': String(body.length) },
      body,
    });
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        { agent, host: '127.0.0.1', port, method: 'POST', path, headers: signed.headers },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}

async function startReference(): Promise<{ target: Target; stop(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    PeerServer({ port: 0, host: '127.0.0.1', path: '/', key: 'peerjs' }, (s) => resolve(s as Server));
  });
  const { port } = server.address() as AddressInfo;
  return {
    target: {
      name: 'reference peer@1.0.2',
      // The reference server takes PeerJS's own URL, token included (its token is not a credential).
      open: async (id) =>
        new WebSocket(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${id}&version=1.5.5`, {
          perMessageDeflate: false,
        }),
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Our stack: a random database on this machine's PostgreSQL when it answers (else PGlite), in-process Redis. */
async function startOurs(): Promise<{
  target: Target;
  port: number;
  credentials: LocalCredentials;
  stop(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-signaling-'));
  const database = `bench_signaling_${Math.random().toString(36).slice(2, 10)}`;
  let databaseUrl: string | undefined;
  const admin = new Client({
    host: '127.0.0.1',
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 1000,
  });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  } catch {
    databaseUrl = undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  // The per-connection signal limit stays at its production default (400 / 10 s); the load stays under it. Every
  // socket opens from 127.0.0.1, so the per-address handshake limit (sized for one office) is lifted for the run.
  process.env.LIMITS_JSON = JSON.stringify({ wsConnectAddress: { max: 1_000_000, windowSeconds: 60 } });
  const cloud = await startLocalCloud({
    port: 0,
    dataDir,
    quiet: true,
    worker: false,
    buildFrontend: false,
    databaseUrl,
  });
  return {
    port: cloud.port,
    credentials: { accessKeyId: cloud.env.AWS_ACCESS_KEY_ID!, secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY! },
    target: {
      name: 'ours (local gateway + Lambda handlers)',
      // The ticket as a subprotocol, as frontend/src/net/credential-socket.ts sends it.
      open: async (id, roomId) => {
        // A member's ticket: the membership and roster entry the join flow leaves behind come with it.
        const token = await issueMemberTicket({ sub: `u-${id}`, name: id, roomId, peerId: id, role: 'member' });
        return new WebSocket(
          `ws://127.0.0.1:${cloud.port}/peerjs?key=peerjs&id=${id}&version=1.5.5`,
          socketProtocols(token),
          {
            headers: { Origin: cloud.url },
            perMessageDeflate: false,
          },
        );
      },
    },
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (databaseUrl) {
        const c = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.end();
      }
    },
  };
}

function summary(r: Result) {
  return {
    p50: percentile(r.latenciesMs, 50),
    p99: percentile(r.latenciesMs, 99),
    rate: r.frames / r.seconds,
  };
}

async function main(): Promise<void> {
  const o: Options = { peers: arg('peers', 200), roomSize: arg('room-size', 4), candidates: arg('candidates', 12) };
  console.log(
    `Signaling benchmark: ${o.peers} peers, rooms of ${o.roomSize}, offer + answer + ${o.candidates} candidates per side per pair`,
  );

  const idleRounds = 200;
  const reference = await startReference();
  const refIdle = await runIdle(reference.target, idleRounds);
  const ref = await runLoad(reference.target, o);
  await reference.stop();
  console.log(`  reference done: ${ref.frames} frames`);

  const ours = await startOurs();
  console.log('  local cloud started');
  let our: Result;
  let ourIdle: number[];
  let floorIdleSdk: number[];
  let floorIdleBare: number[];
  let floorLoad: Result;
  try {
    ourIdle = await runIdle(ours.target, idleRounds);
    our = await runLoad(ours.target, o);
    floorIdleSdk = await runIdle(ours.target, idleRounds, floorDeliverer(postToConnection));
    floorIdleBare = await runIdle(ours.target, idleRounds, floorDeliverer(bareHttpPost(ours.port, ours.credentials)));
    floorLoad = await runLoad(
      { ...ours.target, name: 'floor: PostToConnection alone' },
      o,
      floorDeliverer(postToConnection),
    );
  } finally {
    await ours.stop();
  }

  console.log('');
  console.log(`Unloaded one-way relay latency (${idleRounds} sequential CANDIDATEs between two peers):`);
  for (const [name, l] of [
    [ref.name, refIdle],
    [our.name, ourIdle],
  ] as const) {
    console.log(`  ${name.padEnd(42)} p50 ${percentile(l, 50).toFixed(2)} ms   p99 ${percentile(l, 99).toFixed(2)} ms`);
  }
  console.log(
    `  ratio ours/reference: p50 ${(percentile(ourIdle, 50) / percentile(refIdle, 50)).toFixed(2)}×, p99 ${(percentile(ourIdle, 99) / percentile(refIdle, 99)).toFixed(2)}×`,
  );
  console.log('');
  console.log(`Call set-up burst (every room at once):`);

  const rows = [ref, our].map((r) => ({ r, s: summary(r) }));
  const fmt = (n: number, d = 1) => n.toFixed(d).padStart(9);
  console.log('');
  console.log(
    `${'server'.padEnd(42)}${'frames'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'frames/s'.padStart(10)}${'connect s'.padStart(11)}`,
  );
  for (const { r, s } of rows) {
    console.log(
      `${r.name.padEnd(42)}${String(r.frames).padStart(9)}${fmt(s.p50)}${fmt(s.p99)}${fmt(s.rate, 0).padStart(10)}${fmt(r.connectSeconds, 2).padStart(11)}`,
    );
  }
  const a = rows[0]!.s;
  const b = rows[1]!.s;
  console.log('');
  console.log(
    `ratio ours/reference: p50 ${(b.p50 / a.p50).toFixed(2)}×, p99 ${(b.p99 / a.p99).toFixed(2)}×, throughput ${(b.rate / a.rate).toFixed(2)}×`,
  );
  console.log(`target: relay p50 within 3× of the reference → ${b.p50 / a.p50 <= 3 ? 'met' : 'NOT met'}`);

  const f = summary(floorLoad);
  const refIdleP50 = percentile(refIdle, 50);
  console.log('');
  console.log('Delivery floor: the same frames handed straight to @connections (no routing, handler, validation or');
  console.log('lookup), the one step every relay on API Gateway WebSockets must take per frame:');
  for (const [name, l] of [
    ['unloaded, SDK PostToConnection', floorIdleSdk],
    ['unloaded, bare keep-alive HTTP POST (no SDK)', floorIdleBare],
  ] as const) {
    const p50 = percentile(l, 50);
    console.log(`  ${name.padEnd(46)} p50 ${p50.toFixed(2)} ms = ${(p50 / refIdleP50).toFixed(2)}× the reference`);
  }
  console.log(
    `  ${'burst, SDK PostToConnection'.padEnd(46)} p50 ${f.p50.toFixed(1)} ms = ${(f.p50 / a.p50).toFixed(2)}× the reference, ${f.rate.toFixed(0)} frames/s`,
  );
  console.log(
    `3× the reference is ${(3 * refIdleP50).toFixed(2)} ms unloaded and ${(3 * a.p50).toFixed(1)} ms in the burst; ` +
      `ours / SDK floor at p50: ${(percentile(ourIdle, 50) / percentile(floorIdleSdk, 50)).toFixed(2)}× unloaded, ` +
      `${(b.p50 / f.p50).toFixed(2)}× in the burst.`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
