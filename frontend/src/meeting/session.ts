/*
 * One person's presence in one meeting: the HTTP join, both sockets, the mesh and the meeting state the UI draws.
 * Order matters (PEERJS-PROTOCOL.md §3): the PeerJS socket must be OPEN before `join` is sent, so that by the time
 * others hear `peer.joined` this peer can already take calls, and before this peer calls anyone.
 */
import type {
  ChatMessage,
  ClientMessage,
  LobbyEntry,
  MediaState,
  Participant,
  RoomSettings,
  ServerMessage,
} from '../../../functions/shared/protocol/room';
import type { RecordingServerMessage } from '../../../functions/shared/protocol/recordings';
import type { ApiClient, JoinGrant } from '../api/client';
import { roomSocketUrl, type RuntimeConfig } from '../config';
import { LocalMedia, captureScreen } from '../media/local-media';
import { Mesh, type StreamKind } from '../media/mesh';
import { ConnectionState, type CloseReason } from '../net/connection-state';
import { Emitter } from '../net/emitter';
import { RoomSocket } from '../net/room-socket';
import { Signaling } from '../net/signaling';
import { TICKET_REUSE_MARGIN_SECONDS, ticketSecondsLeft } from '../net/ticket';

export type EndReason = 'left' | 'removed' | 'ended' | 'denied' | 'full' | 'locked' | 'connection-lost' | 'error';

export interface SessionEvents {
  phase: (phase: 'connecting' | 'lobby' | 'in-room') => void;
  roster: (roster: Participant[]) => void;
  room: (room: RoomSettings) => void;
  chat: (message: ChatMessage) => void;
  lobby: (lobby: LobbyEntry[], knocked: LobbyEntry | null) => void;
  stream: (peerId: string, kind: StreamKind, stream: MediaStream) => void;
  streamEnded: (peerId: string, kind: StreamKind) => void;
  connection: (signaling: ConnectionState, room: ConnectionState) => void;
  notice: (text: string) => void;
  unmuteRequest: (by: string) => void;
  ended: (reason: EndReason, detail: string) => void;
  localChanged: () => void;
  /** The pipeline's progress on a recording this person made in this room (sent to the owner only). */
  recording: (message: RecordingServerMessage) => void;
}

export class MeetingSession extends Emitter<SessionEvents> {
  roster: Participant[] = [];
  self: Participant | null = null;
  room: RoomSettings | null = null;
  lobby: LobbyEntry[] = [];
  readonly chatLog: ChatMessage[] = [];
  signaling: Signaling | null = null;
  mesh: Mesh | null = null;
  private socket: RoomSocket | null = null;
  private grant: JoinGrant | null = null;
  private endedWith: EndReason | null = null;
  private chatSeq = 0;
  audioOnly = false;

  constructor(
    private readonly api: ApiClient,
    private readonly config: RuntimeConfig,
    readonly roomId: string,
    readonly local: LocalMedia,
  ) {
    super();
    local.on('changed', () => this.emit('localChanged'));
  }

  get peerId(): string | null {
    return this.grant?.peerId ?? null;
  }

  get role(): Participant['role'] | null {
    return this.self?.role ?? null;
  }

  get isHostish(): boolean {
    return this.role === 'host' || this.role === 'cohost';
  }

  get ended(): boolean {
    return this.endedWith !== null;
  }

  /** Joins; resolves when in the room or in the lobby. Throws ApiError for password/full/removed refusals. */
  async join(password?: string): Promise<void> {
    this.password = password;
    this.grant = await this.api.joinRoom(this.roomId, password);
    this.emit('phase', 'connecting');
    this.openRoomSocket();
    if (this.grant.status === 'lobby') {
      this.socket!.connect();
      this.emit('phase', 'lobby');
      return;
    }
    await this.enterRoom();
  }

  private password: string | undefined;

  private openRoomSocket(): void {
    const socket = new RoomSocket(
      (t) => roomSocketUrl(this.config, t),
      this.grant!.ticket,
      () => this.freshTicket(),
    );
    this.socket = socket;
    socket.on('message', (m) => {
      if (this.socket === socket) this.onMessage(m);
    });
    socket.on('invalid', (why) => console.warn('dropped an invalid room message:', why));
    socket.on('state', () => this.emitConnection());
    socket.on('closed', (reason) => {
      if (this.socket === socket) this.onSocketClosed(reason);
    });
    socket.on('open', () => {
      if (this.socket !== socket) return;
      if (this.grant?.status === 'lobby') this.send({ type: 'knock' });
      else if (this.signaling?.open) this.sendJoin();
    });
  }

  /**
   * A ticket for a reconnect. The one we hold is reused while it is valid (same peer id: calls keep flowing).
   * Past that, the join route mints a new peer id, so the whole presence is rebuilt under it (see rejoin).
   */
  private async freshTicket(): Promise<string> {
    const held = this.grant!;
    if (ticketSecondsLeft(held.ticket) > TICKET_REUSE_MARGIN_SECONDS) return held.ticket;
    const grant = await this.api.joinRoom(this.roomId, this.password);
    if (grant.peerId !== held.peerId) {
      void this.rejoin(grant);
      throw Object.assign(new Error('rejoining under a new peer id'), { status: 409 });
    }
    this.grant = grant;
    return grant.ticket;
  }

  private rejoining = false;

  /** Rebuild both sockets and every call under a new peer id, without a page reload. */
  private async rejoin(grant: JoinGrant): Promise<void> {
    if (this.rejoining || this.ended) return;
    this.rejoining = true;
    try {
      const oldSignaling = this.signaling;
      const oldSocket = this.socket;
      this.signaling = null;
      this.socket = null;
      this.mesh?.closeAll();
      this.mesh = null;
      oldSocket?.close('left');
      oldSignaling?.close('left');
      this.grant = grant;
      this.openRoomSocket();
      if (grant.status === 'lobby') {
        this.socket!.connect();
        this.emit('phase', 'lobby');
        return;
      }
      await this.enterRoom();
    } catch (err) {
      this.finish('connection-lost', `Could not rejoin the meeting: ${(err as Error).message}`);
    } finally {
      this.rejoining = false;
    }
  }

  /** With a member ticket: open PeerJS, wait for OPEN, then the room socket and `join`. */
  private async enterRoom(): Promise<void> {
    const grant = this.grant!;
    const iceServers = grant.iceServers ?? (await this.api.iceServers().catch(() => []));
    const signaling = new Signaling(this.config, grant.peerId, grant.ticket, iceServers, () => this.freshTicket());
    this.signaling = signaling;
    signaling.on('state', () => this.emitConnection());
    signaling.on('error', (type, message) => console.warn(`peerjs ${type}: ${message}`));
    signaling.on('open', (reconnected) => {
      if (reconnected && this.signaling === signaling) this.reconcileCalls();
    });
    signaling.on('closed', (reason) => {
      if (this.signaling !== signaling) return;
      if (reason === 'gave-up' || reason === 'rejected') {
        this.finish('connection-lost', 'The connection to the meeting was lost.');
      }
    });
    const mesh = new Mesh(signaling, this.local);
    this.mesh = mesh;
    mesh.setAudioOnly(this.audioOnly);
    mesh.onScreenStopped = () => this.sendState({ screen: false });
    mesh.on('stream', (peerId, kind, stream) => this.emit('stream', peerId, kind, stream));
    mesh.on('streamEnded', (peerId, kind) => this.onStreamEnded(peerId, kind));
    await signaling.whenOpen();
    const socket = this.socket!;
    if (socket.state === ConnectionState.Idle) socket.connect();
    else socket.reopenWith(grant.ticket);
  }

  private sendJoin(): void {
    this.send({
      type: 'join',
      state: { mic: this.local.mic, cam: this.local.cam, screen: this.mesh?.sharing ?? false },
    });
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome':
        this.self = m.self;
        this.room = m.room;
        this.roster = m.roster;
        this.lobby = m.lobby;
        // A re-join after a reconnect repeats history we already show: add only what is new.
        for (const c of m.chat) this.addChat(c);
        this.emit('phase', 'in-room');
        this.emit('room', m.room);
        this.emit('roster', this.roster);
        this.emit('lobby', this.lobby, null);
        this.reconcileCalls();
        return;
      case 'peer.joined':
        this.roster = [...this.roster.filter((p) => p.peerId !== m.participant.peerId), m.participant];
        this.emit('roster', this.roster);
        this.reconcileCalls();
        return;
      case 'peer.left':
        this.roster = this.roster.filter((p) => p.peerId !== m.peerId);
        // A peer whose sockets dropped may still send media peer to peer; keep its call until that closes too.
        if (m.reason !== 'disconnected' || this.mesh?.cameraState(m.peerId) !== 'connected') this.mesh?.drop(m.peerId);
        this.emit('roster', this.roster);
        this.mesh?.reconcile(
          this.position(this.self),
          this.roster.map((p) => this.position(p)),
        );
        return;
      case 'roster.update':
        this.roster = m.roster;
        this.self = m.roster.find((p) => p.peerId === this.peerId) ?? this.self;
        this.syncLocalFromRoster();
        this.emit('roster', this.roster);
        this.reconcileCalls();
        return;
      case 'room.update':
        this.room = m.room;
        this.emit('room', m.room);
        return;
      case 'chat.message':
        this.addChat(m.message);
        return;
      case 'lobby.waiting':
        this.emit('phase', 'lobby');
        return;
      case 'lobby.knock':
        this.lobby = [...this.lobby.filter((e) => e.peerId !== m.entry.peerId), m.entry];
        this.emit('lobby', this.lobby, m.entry);
        return;
      case 'lobby.update':
        this.lobby = m.lobby;
        this.emit('lobby', this.lobby, null);
        return;
      case 'lobby.admitted':
        this.grant = { ...this.grant!, status: 'joined', ticket: m.ticket, role: m.role };
        void this.enterRoom().catch((err: unknown) => this.finish('error', String((err as Error).message ?? err)));
        return;
      case 'lobby.denied':
        this.finish('denied', m.reason || 'The host did not let you in.');
        return;
      case 'host.mutedAll':
        this.local.setMic(false);
        this.emit('notice', `${m.by} muted everyone.`);
        return;
      case 'host.unmuteRequest':
        this.emit('unmuteRequest', m.by);
        return;
      case 'host.removed':
        this.finish('removed', m.reason ? `${m.by} removed you: ${m.reason}` : `${m.by} removed you from the meeting.`);
        return;
      case 'room.ended':
        this.finish('ended', `${m.by} ended the meeting for everyone.`);
        return;
      case 'recording.status':
      case 'recording.export':
        this.emit('recording', m);
        return;
      case 'error':
        this.onServerError(m.code, m.message);
        return;
    }
  }

  private onServerError(code: string, message: string): void {
    if (code === 'room_full') this.finish('full', 'This meeting is full.');
    else if (code === 'room_ended') this.finish('ended', 'This meeting has ended.');
    else if (code === 'room_locked') this.finish('locked', 'The host has locked this meeting.');
    else this.emit('notice', message);
  }

  /** The server is the source of truth for our flags (a host may have muted us): follow it, never toggle. */
  private syncLocalFromRoster(): void {
    const me = this.roster.find((p) => p.peerId === this.peerId);
    if (me && !me.mic && this.local.mic) this.local.setMic(false);
  }

  private addChat(message: ChatMessage): void {
    if (this.chatLog.some((c) => c.id === message.id)) return;
    this.chatLog.push(message);
    this.emit('chat', message);
  }

  private onStreamEnded(peerId: string, kind: StreamKind): void {
    this.emit('streamEnded', peerId, kind);
    // Our camera call to a peer still in the room closed (ICE failure, the peer reloaded): call again if it is ours.
    if (kind === 'camera' && !this.ended) setTimeout(() => this.reconcileCalls(), 1000);
  }

  private reconcileCalls(): void {
    if (!this.self || !this.mesh || this.ended) return;
    this.mesh.reconcile(
      this.position(this.self),
      this.roster.map((p) => this.position(p)),
    );
  }

  private position(p: Participant | null): { peerId: string; joinedAt: number } {
    return { peerId: p?.peerId ?? this.peerId ?? '', joinedAt: p?.joinedAt ?? Number.MAX_SAFE_INTEGER };
  }

  private emitConnection(): void {
    this.emit(
      'connection',
      this.signaling?.connection.state ?? ConnectionState.Idle,
      this.socket?.state ?? ConnectionState.Idle,
    );
  }

  private onSocketClosed(reason: CloseReason): void {
    if (this.ended) return;
    if (reason === 'gave-up' || reason === 'rejected')
      this.finish('connection-lost', 'The connection to the meeting was lost.');
  }

  // ---- actions (each one sets state; nothing toggles on the wire) ----

  setMic(on: boolean): void {
    this.local.setMic(on);
    this.sendState({ mic: this.local.mic });
  }

  setCam(on: boolean): void {
    this.local.setCam(on);
    this.sendState({ cam: this.local.cam });
  }

  setAudioOnly(on: boolean): void {
    this.audioOnly = on;
    this.mesh?.setAudioOnly(on);
    this.emit('localChanged');
  }

  async startScreenShare(): Promise<void> {
    if (!this.mesh || this.mesh.sharing) return;
    const stream = await captureScreen();
    this.mesh.startScreenShare(
      stream,
      this.position(this.self),
      this.roster.map((p) => this.position(p)),
    );
    this.sendState({ screen: true });
    this.emit('stream', this.peerId!, 'screen', stream);
  }

  stopScreenShare(): void {
    if (!this.mesh?.sharing) return;
    this.mesh.stopScreenShare();
    this.emit('streamEnded', this.peerId!, 'screen');
  }

  sendChat(text: string): boolean {
    return this.send({ type: 'chat.send', text, ref: `c-${++this.chatSeq}` });
  }

  admit(peerId: string): void {
    this.send({ type: 'lobby.admit', peerId });
  }
  deny(peerId: string): void {
    this.send({ type: 'lobby.deny', peerId });
  }
  lock(locked: boolean): void {
    this.send({ type: 'host.lock', locked });
  }
  remove(peerId: string, reason?: string): void {
    this.send({ type: 'host.remove', peerId, ...(reason ? { reason } : {}) });
  }
  muteAll(): void {
    this.send({ type: 'host.muteAll' });
  }
  askUnmute(peerId: string): void {
    this.send({ type: 'host.askUnmute', peerId });
  }
  makeCohost(peerId: string, cohost: boolean): void {
    this.send({ type: 'host.cohost', peerId, cohost });
  }
  endForAll(): void {
    this.send({ type: 'host.end' });
  }

  leave(): void {
    this.send({ type: 'leave' });
    this.finish('left', 'You left the meeting.');
  }

  private sendState(state: Partial<MediaState>): void {
    this.send({ type: 'state', ...state });
  }

  private send(message: ClientMessage): boolean {
    return this.socket?.send(message) ?? false;
  }

  private finish(reason: EndReason, detail: string): void {
    if (this.endedWith) return;
    this.endedWith = reason;
    const closeReason: CloseReason =
      reason === 'connection-lost' ? 'gave-up' : reason === 'locked' || reason === 'error' ? 'rejected' : reason;
    this.socket?.close(closeReason);
    this.mesh?.closeAll();
    this.signaling?.close(closeReason);
    this.local.stop();
    this.emit('ended', reason, detail);
  }
}
