import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type WebSocket from 'ws';
import { credentialSocket } from '../../support/credential-socket';
import { startLocalCloud, type LocalCloud } from '../../../local/cloud';
import { issueMemberTicket } from '../../support/member-ticket';

export interface TestCloud {
  cloud: LocalCloud;
  stop(): Promise<void>;
}

const PG_ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(PG_ADMIN);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The whole local cloud on a free port and a throw-away data folder, with a random database on this machine's
 * PostgreSQL (PGlite's wasm loader needs a dynamic import jest's VM cannot do) and real Redis when `redisUrl` is given.
 */
export async function startTestCloud(options: { redisUrl?: string; redisCluster?: boolean } = {}): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signaling-it-'));
  const database = `signaling_it_${Math.random().toString(36).slice(2, 10)}`;
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  if (options.redisUrl) process.env.REDIS_PREFIX = `it-${Math.random().toString(36).slice(2)}:`;
  const cloud = await startLocalCloud({
    port: 0,
    dataDir,
    quiet: true,
    worker: false,
    buildFrontend: false,
    redisUrl: options.redisUrl,
    redisCluster: options.redisCluster ?? false,
    databaseUrl: `postgres://postgres@127.0.0.1:5432/${database}`,
  }).catch(async (error: unknown) => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database}`));
    throw error;
  });
  return {
    cloud,
    stop: async () => {
      await cloud.stop();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Identity {
  peerId: string;
  roomId: string;
  sub?: string;
  role?: 'host' | 'cohost' | 'member' | 'lobby';
}

/** How long a test waits for a frame or a close before it fails (see `next`). */
const WAIT_MS = 20_000;

/**
 * A raw PeerJS socket, opened as the browser opens it (peerjs@1.5.5's URL `{path}peerjs?key=…&id=…&version=`
 * without its token, the ticket as a subprotocol, the Origin header). Collects every frame the server sends.
 */
export class PeerSocket {
  readonly received: Array<Record<string, unknown>> = [];
  closeCode?: number;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async open(cloud: LocalCloud, who: Identity, query: Record<string, string> = { key: 'peerjs' }) {
    const token = await issueMemberTicket({
      sub: who.sub ?? `user-${who.peerId}`,
      name: who.peerId,
      roomId: who.roomId,
      peerId: who.peerId,
      role: who.role ?? 'member',
    });
    const params = Object.entries({ ...query, id: who.peerId, version: '1.5.5' })
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const ws = credentialSocket(`ws://127.0.0.1:${cloud.port}/peerjs?${params}`, token, { origin: cloud.url });
    const socket = new PeerSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return socket;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /**
   * Resolves with the first received frame matching `predicate` (searching what already arrived first). The deadline
   * is a give-up point, not a speed assert: on CI's two loaded cores a relay that needs a fresh local Lambda worker
   * (a cold start, as in AWS) took over 5 s, so it is sized for that.
   */
  async next(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs = WAIT_MS,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  nextOfType(type: string, timeoutMs?: number) {
    return this.next((m) => m.type === type, timeoutMs);
  }

  async closed(timeoutMs = WAIT_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('socket still open');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
