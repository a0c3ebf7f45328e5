/*
 * One person's presence in one meeting: the HTTP join, both sockets, the mesh and the meeting state the UI draws.
 * Order matters (PEERJS-PROTOCOL.md §3): the PeerJS socket must be OPEN before `join` is sent, so that by the time
 * others hear `peer.joined` this peer can already take calls, and before this peer calls anyone.
 */
import type { PollExportFormat, PollView } from '../../../functions/shared/protocol/polls';
import { BREAKOUT_LIMITS, type BreakoutView } from '../../../functions/shared/protocol/breakouts';
import type {
  ChatMessage,
  ClientMessage,
  ClientMessageOf,
  LobbyEntry,
  MediaState,
  RecordingNotice,
  Participant,
  RoomSettings,
  ServerMessage,
} from '../../../functions/shared/protocol/room';
import { handleServerMessage, type SessionPort, type WhiteboardServerMessage } from './handlers';
import { initialRoomState, isHostish, reduceRoomState, withSelfId, type RoomState } from './room-state';
import { Store } from './store';
import type { RecordingServerMessage } from '../../../functions/shared/protocol/recordings';
import type { ReactionEmoji } from '../../../functions/shared/protocol/reactions';
import { recordingNoticeText } from '../features/recording-notice/recording-state';
import type { ApiClient, JoinGrant } from '../api/client';
import { roomSocketUrl, type RuntimeConfig } from '../config';
import { LocalMedia, captureScreen } from '../media/local-media';
import { Mesh, type StreamKind } from '../media/mesh';
import { ConnectionState, type CloseReason } from '../net/connection-state';
import { Emitter } from '../net/emitter';
import { RoomSocket } from '../net/room-socket';
import { Signaling } from '../net/signaling';
import { TICKET_REUSE_MARGIN_SECONDS, ticketSecondsLeft } from '../net/ticket';

export type EndReason =
  'left' | 'removed' | 'ended' | 'denied' | 'full' | 'locked' | 'replaced' | 'connection-lost' | 'error';

/** Tries of a rejoin whose new sockets failed (a network coming back), 2 s apart more each time. */
const REJOIN_RETRIES = 4;
const REJOIN_RETRY_MS = 2000;

/**
 * Moments, not state: state (roster, room, chat, lobby, …) lives in `session.store`, and views subscribe to it.
 */
export interface SessionEvents {
  phase: (phase: 'connecting' | 'lobby' | 'in-room') => void;
  /** Someone knocked (sent to hosts and cohosts only). */
  knock: (entry: LobbyEntry) => void;
  stream: (peerId: string, kind: StreamKind, stream: MediaStream) => void;
  streamEnded: (peerId: string, kind: StreamKind) => void;
  connection: (signaling: ConnectionState, room: ConnectionState) => void;
  notice: (text: string) => void;
  unmuteRequest: (by: string) => void;
  ended: (reason: EndReason, detail: string) => void;
  localChanged: () => void;
  /** The pipeline's progress on a recording this person made in this room (sent to the owner only). */
  recording: (message: RecordingServerMessage) => void;
  /** Whiteboard traffic from the server (features/whiteboard/ keeps the document). */
  whiteboard: (message: WhiteboardServerMessage) => void;
  /** The server failed one of this page's room messages, unknown which (RoomSocket's `serverFailed`). */
  serverFailed: () => void;
}

export class MeetingSession extends Emitter<SessionEvents> {
  /** The meeting's state, derived from server messages by pure reducers (room-state.ts). */
  readonly store = new Store<RoomState>(initialRoomState);
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
    // Video quality steps down with the number of people (mesh bandwidth): re-apply whenever the roster changes.
    this.store.select(
      (s) => s.roster,
      () => this.mesh?.applyQuality(),
    );
    this.store.select(
      (s) => s.poll,
      (view) => this.watchPollDeadline(view),
    );
    this.store.select(
      (s) => s.breakouts,
      (view) => {
        this.watchBreakoutDeadline(view);
        // Parked calls are kept while the state shows their peer in another room, and closed once it does not.
        this.mesh?.reviewParked();
      },
    );
  }

  get peerId(): string | null {
    return this.grant?.peerId ?? null;
  }

  get roster(): Participant[] {
    return this.store.get().roster;
  }

  get self(): Participant | null {
    return this.store.get().self;
  }

  get room(): RoomSettings | null {
    return this.store.get().room;
  }

  get lobby(): LobbyEntry[] {
    return this.store.get().lobby;
  }

  get chatLog(): ChatMessage[] {
    return this.store.get().chat;
  }

  get role(): Participant['role'] | null {
    return this.self?.role ?? null;
  }

  get isHostish(): boolean {
    return isHostish(this.store.get());
  }

  /** Sets the grant and keeps the store's idea of who we are in step with it. */
  private setGrant(grant: JoinGrant): void {
    this.grant = grant;
    this.store.set(withSelfId(this.store.get(), grant.peerId));
  }

  get ended(): boolean {
    return this.endedWith !== null;
  }

  /** Joins; resolves when in the room or in the lobby. Throws ApiError for password/full/removed refusals. */
  async join(password?: string): Promise<void> {
    this.password = password;
    this.setGrant(await this.api.joinRoom(this.roomId, password));
    this.emit('phase', 'connecting');
    this.openRoomSocket();
    if (this.grant!.status === 'lobby') {
      this.socket!.connect();
      this.emit('phase', 'lobby');
      return;
    }
    await this.enterRoom();
  }

  private password: string | undefined;

  private openRoomSocket(): void {
    const socket = new RoomSocket(roomSocketUrl(this.config), this.grant!.ticket, () => this.freshTicket());
    this.socket = socket;
    socket.on('message', (m) => {
      if (this.socket === socket) this.onMessage(m);
    });
    socket.on('invalid', (why) => console.warn('dropped an invalid room message:', why));
    socket.on('serverFailed', (requestId) => {
      if (this.socket !== socket) return;
      console.warn(`the server failed one of this page's room messages (request ${requestId})`);
      this.emit('serverFailed');
    });
    socket.on('state', () => this.emitConnection());
    socket.on('closed', (reason) => {
      if (this.socket === socket) this.onSocketClosed(reason);
    });
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.joinSent = false;
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
    this.setGrant(grant);
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
      this.setGrant(grant);
      this.openRoomSocket();
      if (grant.status === 'lobby') {
        this.socket!.connect();
        this.emit('phase', 'lobby');
        return;
      }
      await this.enterRoom();
      this.rejoinTries = 0;
    } catch (err) {
      // A network coming back answers HTTP (the new ticket) before it lets sockets through: the new PeerJS socket
      // then fails before its first OPEN. A few more tries, with the same fresh grant, before the meeting is lost.
      if (this.rejoinTries < REJOIN_RETRIES && !this.ended) {
        this.rejoinTries += 1;
        setTimeout(() => void this.rejoin(grant), REJOIN_RETRY_MS * this.rejoinTries);
        return;
      }
      this.finish('connection-lost', `Could not rejoin the meeting: ${(err as Error).message}`);
    } finally {
      this.rejoining = false;
    }
  }

  private rejoinTries = 0;

  /** With a member ticket: open PeerJS, wait for OPEN, then the room socket and `join`. */
  private async enterRoom(): Promise<void> {
    const grant = this.grant!;
    const iceServers = grant.iceServers ?? (await this.api.iceServers().catch(() => []));
    const signaling = new Signaling(this.config, grant.peerId, grant.ticket, iceServers, () => this.freshTicket());
    this.signaling = signaling;
    signaling.on('state', () => this.emitConnection());
    signaling.on('error', (type, message) => console.warn(`peerjs ${type}: ${message}`));
    signaling.on('open', (reconnected) => {
      if (this.signaling !== signaling || !reconnected) return;
      // Both sockets came back after a cut and the room socket won the race: its `join` waited for this one (an
      // OFFER to a peer whose PeerJS socket is down is lost), so it goes now. Without it the page never re-entered
      // the room: it heard nothing more, and the whiteboard's handshake (sent on `welcome`) never carried what was
      // drawn during the cut.
      if (this.socket?.state === ConnectionState.Connected && !this.joinSent && this.grant?.status !== 'lobby') {
        this.sendJoin();
      }
      this.reconcileCalls();
    });
    signaling.on('closed', (reason) => {
      // While rejoining, rejoin() decides (it tries again before giving up).
      if (this.signaling !== signaling || this.rejoining) return;
      if (reason === 'gave-up' || reason === 'rejected') {
        this.finish('connection-lost', signaling.failure ?? 'The connection to the meeting was lost.');
      }
    });
    const mesh = new Mesh(signaling, this.local, (peerId, kind) => this.admitsCall(peerId, kind), {
      // Someone the breakout state shows in another room: their call is parked, not closed (mesh-plan.ts).
      elsewhere: (peerId) => !!this.store.get().breakouts?.people.some((p) => p.peerId === peerId),
    });
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

  /** Whether this room socket (since it last opened) has sent its `join`. */
  private joinSent = false;

  private sendJoin(): void {
    this.joinSent = true;
    this.send({
      type: 'join',
      state: { mic: this.local.mic, cam: this.local.cam, screen: this.mesh?.sharing ?? false },
    });
  }

  private onMessage(m: ServerMessage): void {
    this.store.set(reduceRoomState(this.store.get(), m));
    handleServerMessage(this.port, m);
  }

  /** What server messages may do to this session (handlers.ts). */
  private readonly port: SessionPort = {
    enteredRoom: () => {
      this.emit('phase', 'in-room');
      // A rejoin after a lost connection ended the room's notice: this page still records, so it says so again.
      if (this.recordingHere) this.send({ type: 'recording.started' });
    },
    waitingInLobby: () => this.emit('phase', 'lobby'),
    reconcileCalls: () => this.reconcileCalls(),
    peerLeft: (peerId, reason) => {
      // A peer whose sockets dropped may be back in a moment: a connected call is left to the reconcile below, which
      // parks it silent (mesh-plan.ts) and resumes it if the roster brings them back, or closes it soon after.
      if (reason !== 'disconnected' || this.mesh?.cameraState(peerId) !== 'connected') this.mesh?.drop(peerId);
      this.mesh?.reconcile(
        this.position(this.self),
        this.roster.map((p) => this.position(p)),
      );
    },
    followServerMic: () => {
      const me = this.roster.find((p) => p.peerId === this.peerId);
      if (me && !me.mic && this.local.mic) this.local.setMic(false);
    },
    muteLocalMic: () => this.local.setMic(false),
    admitted: (ticket, role) => {
      this.grant = { ...this.grant!, status: 'joined', ticket, role };
      void this.enterRoom().catch((err: unknown) => this.finish('error', String((err as Error).message ?? err)));
    },
    finish: (reason, detail) => this.finish(reason, detail),
    knocked: (entry) => this.emit('knock', entry),
    notice: (text) => this.emit('notice', text),
    hostAway: (graceSeconds) => this.waitOutHostGrace(graceSeconds),
    unmuteRequest: (by) => this.emit('unmuteRequest', by),
    recording: (message) => this.emit('recording', message),
    recordingNotice: (notice) => this.noticeRecordingOnce(notice),
    whiteboard: (message) => this.emit('whiteboard', message),
  };

  private recordingNoticed: string | null = null;
  /** Whether this page is recording the meeting (it told the room, and tells it again after a rejoin). */
  private recordingHere = false;

  private noticeRecordingOnce(notice: RecordingNotice): void {
    const key = `${notice.peerId}:${notice.since}`;
    if (this.recordingNoticed === key) return;
    this.recordingNoticed = key;
    this.emit('notice', recordingNoticeText(notice, notice.peerId === this.peerId));
  }

  private onStreamEnded(peerId: string, kind: StreamKind): void {
    this.emit('streamEnded', peerId, kind);
    // Our camera call to a peer still in the room closed (ICE failure, the peer reloaded): call again if it is ours.
    if (kind === 'camera' && !this.ended) setTimeout(() => this.reconcileCalls(), 1000);
  }

  /** Only a peer the roster shows (sharing, for a screen call) gets an answer, and so our media (call-gate.ts). */
  private admitsCall(peerId: string, kind: StreamKind): boolean {
    if (this.ended || peerId === this.peerId) return false;
    const entry = this.roster.find((p) => p.peerId === peerId);
    return entry !== undefined && (kind === 'camera' || entry.screen);
  }

  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * The host is away: past the grace period (plus a random few seconds, so the pages of a room do not all ask at
   * once) ask the server to choose a new host, and keep asking while the roster shows none. The server decides.
   */
  private waitOutHostGrace(graceSeconds: number): void {
    clearTimeout(this.graceTimer);
    const ask = (delayMs: number) => {
      this.graceTimer = setTimeout(() => {
        if (this.ended || this.roster.some((p) => p.role === 'host')) return;
        this.send({ type: 'grace.expired' });
        ask(15_000);
      }, delayMs);
    };
    ask(graceSeconds * 1000 + 1000 + Math.floor(Math.random() * 4000));
  }

  private pollTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * The server has no timers: once the open poll's time limit has passed (plus a random second or two, so the pages
   * of a room do not all ask at once), tell it so, and keep telling it while the poll still shows open. The server
   * checks the deadline against its own clock.
   */
  private watchPollDeadline(view: PollView | null): void {
    clearTimeout(this.pollTimer);
    if (!view || view.poll.closedAt !== null || view.poll.closesAt === null) return;
    const { id, closesAt } = view.poll;
    const ask = (delayMs: number) => {
      this.pollTimer = setTimeout(() => {
        const current = this.store.get().poll?.poll;
        if (this.ended || current?.id !== id || current.closedAt !== null) return;
        this.send({ type: 'poll.expired', pollId: id });
        ask(10_000);
      }, delayMs);
    };
    ask(Math.max(0, closesAt - Date.now()) + 500 + Math.floor(Math.random() * 1500));
  }

  private breakoutTimer: ReturnType<typeof setTimeout> | undefined;

  /** As for polls: once the breakout timer and the return countdown have passed, tell the server (it checks). */
  private watchBreakoutDeadline(view: BreakoutView | null): void {
    clearTimeout(this.breakoutTimer);
    if (!view || view.endsAt === null) return;
    const { id } = view;
    const due = view.endsAt + BREAKOUT_LIMITS.returnCountdownSeconds * 1000;
    const ask = (delayMs: number) => {
      this.breakoutTimer = setTimeout(() => {
        if (this.ended || this.store.get().breakouts?.id !== id) return;
        this.send({ type: 'breakout.expired', breakoutId: id });
        ask(10_000);
      }, delayMs);
    };
    ask(Math.max(0, due - Date.now()) + 300 + Math.floor(Math.random() * 700));
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
      this.finish('connection-lost', this.socket?.failure ?? 'The connection to the meeting was lost.');
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

  /** Shows `emoji` on our tile on every page (the server relays it, rate-limited). */
  sendReaction(emoji: ReactionEmoji): boolean {
    return this.send({ type: 'reaction.send', emoji });
  }

  /** Raises or lowers our own hand (sets, never toggles). */
  setHandRaised(raised: boolean): void {
    this.sendState({ handRaised: raised });
  }

  /** Hosts and cohosts: lower someone's raised hand (the server checks the role). */
  lowerHand(peerId: string): void {
    this.send({ type: 'host.lowerHand', peerId });
  }

  /** From this page's recorder: the room holds and shows the notice until we say it stopped, or leave. */
  setRecordingHere(recording: boolean): void {
    if (this.recordingHere === recording) return;
    this.recordingHere = recording;
    this.send({ type: recording ? 'recording.started' : 'recording.stopped' });
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
  createPoll(poll: Omit<ClientMessageOf<'poll.create'>, 'type' | 'ref'>): boolean {
    return this.send({ type: 'poll.create', ...poll });
  }
  votePoll(pollId: string, optionIndexes: number[]): boolean {
    return this.send({ type: 'poll.vote', pollId, optionIndexes });
  }
  closePoll(pollId: string): boolean {
    return this.send({ type: 'poll.close', pollId });
  }
  /** Hosts and cohosts: the poll's results from the archive (the server checks the role). */
  exportPoll(pollId: string, format: PollExportFormat): Promise<{ blob: Blob; filename: string }> {
    const room = encodeURIComponent(this.roomId);
    return this.api.download(`/api/rooms/${room}/polls/${encodeURIComponent(pollId)}/export?format=${format}`);
  }

  openBreakouts(open: Omit<ClientMessageOf<'breakout.open'>, 'type' | 'ref'>): boolean {
    return this.send({ type: 'breakout.open', ...open });
  }
  /** Hosts and cohosts: move someone (room null: back to the main room). */
  assignBreakout(peerId: string, room: string | null): boolean {
    return this.send({ type: 'breakout.assign', peerId, room });
  }
  /** Choose a room (choose mode), or a host's visit; null: back to the main room. */
  joinBreakout(room: string | null): boolean {
    return this.send({ type: 'breakout.join', room });
  }
  closeBreakouts(breakoutId: string): boolean {
    return this.send({ type: 'breakout.close', breakoutId });
  }
  broadcastToBreakouts(text: string): boolean {
    return this.send({ type: 'breakout.broadcast', text });
  }
  askForHelp(): boolean {
    return this.send({ type: 'breakout.help' });
  }

  leave(): void {
    this.send({ type: 'leave' });
    this.finish('left', 'You left the meeting.');
  }

  /**
   * The page is going away (reload, tab closed, another address). The sockets close without a `leave`: the server
   * reads that as a dropped connection, so the others see the person go at once all the same, but a host keeps the
   * role for the grace period instead of handing it over, as a reload must not make someone else the host.
   * Leaving on purpose (the Leave button) is `leave()`.
   */
  pageClosing(): void {
    this.finish('left', 'You left the meeting.');
  }

  /** Whiteboard messages (features/whiteboard/); false while the room socket is down. */
  sendWhiteboard(message: ClientMessageOf<'wb.sync' | 'wb.clear' | 'wb.lock' | 'wb.cursor'>): boolean {
    return this.send(message);
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
      reason === 'connection-lost'
        ? 'gave-up'
        : reason === 'locked' || reason === 'error' || reason === 'replaced'
          ? 'rejected'
          : reason;
    this.socket?.close(closeReason);
    clearTimeout(this.graceTimer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.breakoutTimer);
    this.mesh?.closeAll();
    this.signaling?.close(closeReason);
    this.local.stop();
    this.emit('ended', reason, detail);
  }
}
