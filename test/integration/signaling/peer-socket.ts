import type WebSocket from 'ws';
import { credentialSocket } from '../../support/credential-socket';
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud } from '../../support/real-cloud';
import { issueMemberTicket } from '../../support/member-ticket';

export interface TestCloud {
  cloud: LocalCloud;
  stop(): Promise<void>;
}

/**
 * The whole local cloud with the real handlers (test/support/real-cloud.ts), with real Redis when `redisUrl` is
 * given (its keys under a random prefix).
 */
export async function startTestCloud(options: { redisUrl?: string; redisCluster?: boolean } = {}): Promise<TestCloud> {
  if (options.redisUrl) process.env.REDIS_PREFIX = `it-${Math.random().toString(36).slice(2)}:`;
  return startRealCloud('signaling', { redisUrl: options.redisUrl, redisCluster: options.redisCluster ?? false });
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
        const state = this.closeCode === undefined ? 'still open' : `closed with ${this.closeCode}`;
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.received)} (socket ${state})`,
        );
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
