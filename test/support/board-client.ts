/**
 * A whiteboard page without a browser, for gateway tests and `npm run bench:whiteboard`: a guest signs in over HTTP,
 * joins (or creates) a room, opens the room socket the way the page does (credential subprotocol, Origin), sends
 * `join`, and drives the page's own BoardSync (frontend/src/features/whiteboard/board-sync.ts) over it. The document
 * logic is the browser's; only the DOM is missing.
 */
import WebSocket from 'ws';
import { BoardSync, type BoardSyncOptions } from '../../frontend/src/features/whiteboard/board-sync';
import type { ServerMessage } from '../../functions/shared/protocol/room';
import { credentialSocket } from './credential-socket';

export interface CloudAddress {
  url: string;
  port: number;
}

export async function api(cloud: CloudAddress, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      Origin: cloud.url,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as Record<string, unknown>;
}

export interface BoardClientOptions extends BoardSyncOptions {
  /** Every server message, as it arrives (benchmarks time updates here). */
  onMessage?: (m: ServerMessage, raw: string) => void;
  /** Every frame this client sends (benchmarks count bytes here). */
  onSend?: (frame: string) => void;
}

export class BoardClient {
  readonly received: ServerMessage[] = [];
  readonly sync: BoardSync;
  ws: WebSocket | undefined;
  private ticket = '';
  private welcomed = 0;

  private constructor(
    readonly cloud: CloudAddress,
    readonly name: string,
    readonly roomId: string,
    readonly token: string,
    private readonly options: BoardClientOptions,
  ) {
    this.sync = new BoardSync((m) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      const frame = JSON.stringify(m);
      options.onSend?.(frame);
      ws.send(frame);
      return true;
    }, options);
  }

  /** Signs a guest in, creates a room when `roomId` is undefined, joins it and syncs the board. */
  static async join(
    cloud: CloudAddress,
    name: string,
    roomId?: string,
    options: BoardClientOptions = {},
  ): Promise<BoardClient> {
    const token = (await api(cloud, 'POST', '/api/sessions/guest', undefined, { name })).accessToken as string;
    const id = roomId ?? ((await api(cloud, 'POST', '/api/rooms', token, { name: 'Board' })).roomId as string);
    const client = new BoardClient(cloud, name, id, token, options);
    await client.connect();
    return client;
  }

  /** (Re)opens the room socket with a fresh join ticket; resolves once the server welcomed it into the room. */
  async connect(): Promise<void> {
    const joined = await api(this.cloud, 'POST', `/api/rooms/${this.roomId}/join`, this.token, {});
    this.ticket = joined.ticket as string;
    const ws = credentialSocket(`ws://127.0.0.1:${this.cloud.port}/peerjs`, this.ticket, { origin: this.cloud.url });
    this.ws = ws;
    const welcomedBefore = this.welcomed;
    ws.on('message', (data) => {
      if (this.ws !== ws) return;
      const raw = data.toString();
      const m = JSON.parse(raw) as ServerMessage;
      this.received.push(m);
      this.options.onMessage?.(m, raw);
      if (m.type === 'welcome') {
        this.welcomed += 1;
        this.sync.connected();
      } else if (m.type === 'wb.sync') {
        this.sync.receive(m);
      }
    });
    ws.on('close', () => {
      if (this.ws === ws) this.sync.disconnected();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_q, res) => reject(new Error(`${this.name}: upgrade refused ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'join', state: { mic: false, cam: false } }));
    await this.until(() => this.welcomed > welcomedBefore, `${this.name} welcomed`);
  }

  /** The socket drops (as a network cut): the page keeps drawing into its document meanwhile. */
  cut(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.sync.disconnected();
    ws?.terminate();
  }

  send(message: object): void {
    this.ws?.send(JSON.stringify(message));
  }

  errors(): string[] {
    return this.received.filter((m) => m.type === 'error').map((m) => JSON.stringify(m));
  }

  async until(ok: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; errors: ${this.errors().join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    this.sync.destroy();
  }
}
