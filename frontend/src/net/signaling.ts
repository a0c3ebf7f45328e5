/*
 * The PeerJS signalling socket, wrapped in the connection state machine. PeerJS never reconnects on its own and
 * forgets its id when the socket drops (PEERJS-PROTOCOL.md §6); media between peers keeps flowing meanwhile, so a
 * loss only needs a fresh ticket and `peer.reconnect()` with the same id.
 */
import { Peer, type MediaConnection } from 'peerjs';
import type { RuntimeConfig } from '../config';
import { connectFailureMessage, watchPolicyBlocks } from './connect-failure';
import { Connection, ConnectionState, type CloseReason } from './connection-state';
import { blockedAtOnce, withCredentialSocket } from './credential-socket';
import { Emitter } from './emitter';
import { ExponentialBackoffPolicy, type ReconnectPolicy } from './reconnect-policy';

export interface SignalingEvents {
  /** The socket is usable (first time or again after a reconnect): only now may calls be placed. */
  open: (reconnected: boolean) => void;
  call: (call: MediaConnection) => void;
  state: (state: ConnectionState) => void;
  closed: (reason: CloseReason) => void;
  error: (type: string, message: string) => void;
}

/**
 * The old socket may still be registered when the new one arrives; with a changed token the server answers
 * ID-TAKEN. Measured: waiting 500 ms after the token change avoided it (PEERJS-PROTOCOL.md §6).
 */
export const TOKEN_SETTLE_MS = 500;

/** PeerJS error types that mean the signalling socket itself failed (PeerErrorType). */
const SOCKET_FAILURES = new Set<string>(['network', 'socket-error', 'socket-closed']);

const pageUrl = () => (typeof location === 'undefined' ? 'http://localhost/' : location.href);

export class Signaling extends Emitter<SignalingEvents> {
  readonly connection: Connection;
  readonly peer: Peer;
  private everOpened = false;
  /** The room ticket the next (re)connect presents, as a subprotocol (never in the URL). */
  private ticket: string;
  /** Why the first connection failed, for the page to show; undefined while it may still open. */
  failure: string | undefined;

  constructor(
    config: RuntimeConfig,
    readonly peerId: string,
    ticket: string,
    iceServers: RTCIceServer[],
    private readonly freshTicket: () => Promise<string>,
    policy: ReconnectPolicy = new ExponentialBackoffPolicy(),
  ) {
    super();
    this.ticket = ticket;
    this.connection = new Connection('signaling', policy);
    this.connection.on('stateChanged', (s) => this.emit('state', s));
    this.connection.on('closed', (reason) => {
      if (!this.peer.destroyed) this.peer.destroy();
      this.emit('closed', reason);
    });
    this.connection.on('retry', () => void this.retry());
    this.connection.connect();
    const socketUrl = `${config.peer.secure ? 'wss' : 'ws'}://${config.peer.host}:${config.peer.port}${config.peer.path || '/'}`;
    const csp = watchPolicyBlocks(socketUrl);
    // Before the first OPEN there is nothing to keep alive: a socket refused or blocked now will be refused again,
    // so the page hears why at once instead of after retries and a timeout.
    const failBeforeOpen = (blocked = false) => {
      if (this.everOpened || this.connection.state === ConnectionState.Closed) return;
      this.failure = connectFailureMessage(socketUrl, pageUrl(), blocked || csp.blocked());
      csp.dispose();
      this.connection.close('rejected');
    };
    let peer: Peer;
    try {
      peer = withCredentialSocket(
        ticket,
        () =>
          new Peer(peerId, {
            host: config.peer.host,
            port: config.peer.port,
            path: config.peer.path || '/',
            secure: config.peer.secure,
            key: config.peer.key,
            // Never PeerJS's public STUN/TURN defaults: only what our API hands out (an empty list works offline).
            config: { iceServers },
            ...(config.peer.pingInterval ? { pingInterval: config.peer.pingInterval } : {}),
            debug: 1,
          }),
        // Checked after the constructor returns, so the page has its Signaling before hearing of the failure.
        (ws) => {
          if (blockedAtOnce(ws)) queueMicrotask(() => failBeforeOpen(true));
        },
      );
    } catch (err) {
      // Some browsers refuse a socket their CSP forbids by throwing from the WebSocket constructor.
      csp.dispose();
      this.failure = connectFailureMessage(socketUrl, pageUrl(), err instanceof DOMException);
      throw new Error(this.failure, { cause: err });
    }
    this.peer = peer;
    this.peer.on('open', () => {
      csp.dispose();
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.connection.opened();
      this.emit('open', reconnected);
    });
    this.peer.on('call', (call) => this.emit('call', call));
    this.peer.on('disconnected', () => {
      if (!this.everOpened) return failBeforeOpen();
      if (this.connection.state === ConnectionState.Closed || this.peer.destroyed) return;
      this.connection.lost('signaling socket closed');
    });
    this.peer.on('error', (err) => {
      this.emit('error', err.type, err.message);
      if (SOCKET_FAILURES.has(err.type)) failBeforeOpen();
      // Before the first OPEN PeerJS destroys itself on errors; nothing left to reconnect.
      if (this.peer.destroyed && this.connection.state !== ConnectionState.Closed) this.connection.close('rejected');
    });
  }

  get open(): boolean {
    return this.peer.open && !this.peer.disconnected;
  }

  /** Resolves on the first `open`; rejects if the peer is closed first. */
  whenOpen(timeoutMs = 20_000): Promise<void> {
    if (this.open) return Promise.resolve();
    if (this.failure) return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        offClosed();
        reject(new Error('The signalling server did not answer in time'));
      }, timeoutMs);
      const off = this.on('open', () => {
        clearTimeout(timer);
        off();
        offClosed();
        resolve();
      });
      const offClosed = this.on('closed', (reason) => {
        clearTimeout(timer);
        off();
        offClosed();
        reject(new Error(this.failure ?? `The signalling connection closed (${reason})`));
      });
    });
  }

  call(remoteId: string, stream: MediaStream, metadata: unknown): MediaConnection | undefined {
    // A call placed while the socket is not open loses its OFFER silently (PEERJS-PROTOCOL.md §3).
    if (!this.open) return undefined;
    return this.peer.call(remoteId, stream, { metadata });
  }

  /** Swap the ticket (lobby → member) for the next reconnect. */
  setTicket(ticket: string): void {
    this.ticket = ticket;
  }

  close(reason: CloseReason): void {
    this.connection.close(reason);
  }

  private async retry(): Promise<void> {
    try {
      this.ticket = await this.freshTicket();
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403 || status === 404 || status === 410) {
        this.connection.close('rejected');
        return;
      }
      this.connection.lost(String(err));
      return;
    }
    await new Promise((r) => setTimeout(r, TOKEN_SETTLE_MS));
    if (this.connection.state !== ConnectionState.Reconnecting || this.peer.destroyed) return;
    if (this.peer.disconnected) withCredentialSocket(this.ticket, () => this.peer.reconnect());
  }
}
