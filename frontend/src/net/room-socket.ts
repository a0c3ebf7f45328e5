/*
 * The room socket: roster, chat, lobby and host controls (docs/room-protocol.md). Every frame from the server is
 * validated with the shared zod schema before anything reads it; every frame we send is validated before it leaves.
 */
import {
  decodeIntegrationFailure,
  decodeServerMessage,
  encodeClientMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../../functions/shared/protocol/room';
import { Connection, ConnectionState, type CloseReason } from './connection-state';
import { connectFailureMessage, watchPolicyBlocks } from './connect-failure';
import { blockedAtOnce, openCredentialSocket } from './credential-socket';
import { Emitter } from './emitter';
import { ExponentialBackoffPolicy, type ReconnectPolicy } from './reconnect-policy';

export interface RoomSocketEvents {
  /** The socket is open (first time or after a reconnect): send `join` or `knock` now. */
  open: (reconnected: boolean) => void;
  message: (message: ServerMessage) => void;
  /** A frame that failed validation: logged and dropped, never acted on. */
  invalid: (reason: string) => void;
  /**
   * API Gateway said one of our frames failed on the server (its integration threw or timed out). It does not say
   * which, so whatever must not be lost resynchronizes (the whiteboard runs its handshake again).
   */
  serverFailed: (requestId: string) => void;
  state: (state: ConnectionState) => void;
  closed: (reason: CloseReason) => void;
}

/** API Gateway drops a socket idle for 10 minutes; HEARTBEAT goes to a mock route (no Lambda runs for it). */
const KEEPALIVE_MS = 4 * 60 * 1000;

export class RoomSocket extends Emitter<RoomSocketEvents> {
  readonly connection: Connection;
  private ws: WebSocket | null = null;
  private ticket: string;
  private everOpened = false;
  private keepalive: ReturnType<typeof setInterval> | undefined;
  /** Why the socket could not open at all, for the page to show; undefined while it may still open. */
  failure: string | undefined;

  constructor(
    /** The room socket's URL; the ticket travels as a subprotocol, never in it. */
    private readonly url: string,
    initialTicket: string,
    /** Fetches a fresh ticket before each reconnect (tickets live 5 minutes). */
    private readonly freshTicket: () => Promise<string>,
    policy: ReconnectPolicy = new ExponentialBackoffPolicy(),
  ) {
    super();
    this.ticket = initialTicket;
    this.connection = new Connection('room', policy);
    this.connection.on('stateChanged', (s) => this.emit('state', s));
    this.connection.on('closed', (reason) => {
      this.stopSocket();
      this.emit('closed', reason);
    });
    this.connection.on('retry', () => void this.retry());
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  connect(): void {
    this.connection.connect();
    this.openSocket();
  }

  /** Swap to another ticket (lobby → member after admission) and reopen the socket with it. */
  reopenWith(ticket: string): void {
    this.ticket = ticket;
    this.everOpened = false;
    this.stopSocket();
    this.openSocket();
  }

  send(message: ClientMessage): boolean {
    const encoded = encodeClientMessage(message);
    if (!encoded.ok) throw new Error(`Refusing to send an invalid ${message.type}: ${encoded.error.message}`);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encoded.message);
    return true;
  }

  /** Ends the socket for good (left, removed, ended…): no reconnect after this. */
  close(reason: CloseReason): void {
    this.connection.close(reason);
  }

  private async retry(): Promise<void> {
    try {
      this.ticket = await this.freshTicket();
    } catch (err) {
      if (isPermanent(err)) {
        this.connection.close('rejected');
        return;
      }
      this.connection.lost(String(err));
      return;
    }
    if (this.connection.state !== ConnectionState.Reconnecting) return;
    this.openSocket();
  }

  private openSocket(): void {
    const policy = watchPolicyBlocks(this.url);
    const page = typeof location === 'undefined' ? 'http://localhost/' : location.href;
    let ws: WebSocket;
    try {
      ws = openCredentialSocket(this.url, this.ticket);
    } catch (err) {
      // Some browsers refuse a socket their CSP forbids by throwing from the WebSocket constructor.
      policy.dispose();
      this.failure = connectFailureMessage(this.url, page, err instanceof DOMException);
      this.connection.close('rejected');
      return;
    }
    this.ws = ws;
    if (blockedAtOnce(ws)) {
      policy.dispose();
      // After the caller's synchronous steps (e.g. showing the lobby), so the failure is what stays on the page.
      queueMicrotask(() => {
        if (this.ws !== ws || this.connection.state === ConnectionState.Closed) return;
        this.failure = connectFailureMessage(this.url, page, true);
        this.connection.close('rejected');
      });
      return;
    }
    ws.addEventListener('open', () => {
      policy.dispose();
      if (this.ws !== ws) return;
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.connection.opened();
      clearInterval(this.keepalive);
      this.keepalive = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"HEARTBEAT"}');
      }, KEEPALIVE_MS);
      this.emit('open', reconnected);
    });
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      const decoded = decodeServerMessage(typeof event.data === 'string' ? event.data : null);
      if (!decoded.ok) {
        const failure = decodeIntegrationFailure(typeof event.data === 'string' ? event.data : null);
        if (failure) {
          this.emit('serverFailed', failure.requestId);
          return;
        }
        const sample = typeof event.data === 'string' ? event.data.slice(0, 120) : typeof event.data;
        this.emit('invalid', `${decoded.error.message} (${sample})`);
        return;
      }
      this.emit('message', decoded.message);
    });
    ws.addEventListener('close', () => {
      policy.dispose();
      if (this.ws !== ws) return;
      clearInterval(this.keepalive);
      this.ws = null;
      // Never opened with this ticket: retrying the same address and ticket meets the same refusal, so the page
      // hears why now (a reconnect after the socket had opened keeps retrying, see ExponentialBackoffPolicy).
      if (!this.everOpened && this.connection.state !== ConnectionState.Closed) {
        this.failure = connectFailureMessage(this.url, page, policy.blocked());
        this.connection.close('rejected');
        return;
      }
      if (this.connection.state !== ConnectionState.Closed) this.connection.lost('room socket closed');
    });
  }

  private stopSocket(): void {
    clearInterval(this.keepalive);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }
}

/** Errors that another attempt cannot fix (removed, room ended, ticket refused): stop retrying. */
function isPermanent(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === 401 || status === 403 || status === 404 || status === 410;
}
