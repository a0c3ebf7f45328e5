/*
 * What a server message does beyond changing state (state changes are the reducers' job, room-state.ts): calls to
 * place or drop, the session to end, a toast to show. One entry per message type, like the server's handler map
 * (functions/room/receive.ts), so a new message type fails to compile until it is handled here.
 */
import type {
  ErrorCode,
  LeaveReason,
  LobbyEntry,
  RecordingNotice,
  Role,
  ServerMessageOf,
  ServerMessageType,
} from '../../../functions/shared/protocol/room';
import type { RecordingServerMessage } from '../../../functions/shared/protocol/recordings';
import { WHITEBOARD_REF_PREFIX } from '../../../functions/shared/protocol/whiteboard';
import type { EndReason } from './session';

/** What the handlers may do to the session: a small port, so each handler is testable with a fake. */
export interface SessionPort {
  enteredRoom(): void;
  waitingInLobby(): void;
  /** Place or drop calls so that the mesh matches the roster. */
  reconcileCalls(): void;
  peerLeft(peerId: string, reason: LeaveReason): void;
  /** The server is the source of truth for our mic (a host may have muted us): follow it, never toggle. */
  followServerMic(): void;
  muteLocalMic(): void;
  admitted(ticket: string, role: Role): void;
  finish(reason: EndReason, detail: string): void;
  knocked(entry: LobbyEntry): void;
  notice(text: string): void;
  /** The host's connection dropped: once `graceSeconds` pass without them, ask the server for a new host. */
  hostAway(graceSeconds: number): void;
  unmuteRequest(by: string): void;
  recording(message: RecordingServerMessage): void;
  /** Someone records the meeting: tell this person once per recording (a reconnect's welcome repeats it). */
  recordingNotice(notice: RecordingNotice): void;
  /** For the whiteboard's document and cursors (features/whiteboard/). */
  whiteboard(message: WhiteboardServerMessage): void;
}

/** Board traffic, and refusals of the board's own sync frames (their `ref` starts with WHITEBOARD_REF_PREFIX). */
export type WhiteboardServerMessage = ServerMessageOf<'wb.sync' | 'wb.status' | 'wb.cleared' | 'wb.cursor' | 'error'>;

type MessageHandlers = { [T in ServerMessageType]: (port: SessionPort, message: ServerMessageOf<T>) => void };

const stateOnly = () => undefined;

/** Refusals that end the meeting for us; any other error is shown and the meeting goes on. */
const FATAL_ERRORS: Partial<Record<ErrorCode, [EndReason, string]>> = {
  room_full: ['full', 'This meeting is full.'],
  room_ended: ['ended', 'This meeting has ended.'],
  room_locked: ['locked', 'The host has locked this meeting.'],
  not_a_member: ['error', 'This page no longer admits you to the meeting. Join again to come back in.'],
};

export const messageHandlers: MessageHandlers = {
  welcome: (port, m) => {
    port.enteredRoom();
    port.reconcileCalls();
    // Joining a meeting already being recorded: the person is told before anything else happens to them.
    if (m.recording) port.recordingNotice(m.recording);
    // Joining (or coming back) during breakouts: say where this page landed, since the roster shows one room only.
    if (m.breakouts) {
      const place = m.breakouts.people.find((p) => p.peerId === m.self.peerId)?.room ?? null;
      const room = m.breakouts.rooms.find((r) => r.id === place);
      port.notice(
        room
          ? `Breakout rooms are open: you are in ${room.name}.`
          : 'Breakout rooms are open: you are in the main room.',
      );
    }
  },
  'peer.joined': (port) => port.reconcileCalls(),
  'peer.left': (port, m) => port.peerLeft(m.peerId, m.reason),
  'roster.update': (port) => {
    port.followServerMic();
    port.reconcileCalls();
  },
  'room.update': stateOnly,
  'chat.message': stateOnly,
  'lobby.waiting': (port) => port.waitingInLobby(),
  'lobby.knock': (port, m) => port.knocked(m.entry),
  'lobby.update': stateOnly,
  'lobby.admitted': (port, m) => port.admitted(m.ticket, m.role),
  'lobby.denied': (port, m) => port.finish('denied', m.reason || 'The host did not let you in.'),
  'host.mutedAll': (port, m) => {
    port.muteLocalMic();
    port.notice(`${m.by} muted everyone.`);
  },
  'host.unmuteRequest': (port, m) => port.unmuteRequest(m.by),
  'host.removed': (port, m) =>
    port.finish('removed', m.reason ? `${m.by} removed you: ${m.reason}` : `${m.by} removed you from the meeting.`),
  'room.ended': (port, m) => port.finish('ended', `${m.by} ended the meeting for everyone.`),
  'host.away': (port, m) => {
    port.notice(
      `${m.name}'s connection dropped. If they are not back within ${Math.round(m.graceSeconds / 60)} minutes, someone else becomes host.`,
    );
    port.hostAway(m.graceSeconds);
  },
  'host.changed': (port, m) =>
    port.notice(
      m.reason === 'left'
        ? `${m.previous} left, so ${m.name} is now the host.`
        : `${m.previous} did not come back in time, so ${m.name} is now the host.`,
    ),
  'session.replaced': (port) =>
    port.finish('replaced', 'You joined this meeting from another tab or device, so this page left it.'),
  'recording.status': (port, m) => port.recording(m),
  'recording.export': (port, m) => port.recording(m),
  'poll.opened': (port, m) => port.notice(`${m.view.poll.createdBy} opened a poll: ${m.view.poll.question}`),
  'poll.results': stateOnly,
  // The final results also arrive as a chat message.
  'poll.closed': stateOnly,
  // Shown on the sender's tile by the stage, from the store.
  reaction: stateOnly,
  'recording.state': (port, m) => {
    if (m.recording) port.recordingNotice(m.recording);
  },
  // The roster.update that comes with every move re-meshes the calls; these only tell the person.
  'breakout.state': stateOnly,
  'breakout.moved': (port, m) =>
    port.notice(
      m.room
        ? `You are now in ${m.room.name}.`
        : m.reason === 'closed' || m.reason === 'timer'
          ? 'Breakout rooms closed: you are back in the main room.'
          : 'You are back in the main room.',
    ),
  // Shown as a banner by the breakouts view, from the store.
  'breakout.broadcast': stateOnly,
  'breakout.help': (port, m) => port.notice(`${m.request.name} asked for help in ${m.roomName}.`),
  'wb.sync': (port, m) => port.whiteboard(m),
  'wb.status': (port, m) => {
    port.whiteboard(m);
    if (m.by) port.notice(m.locked ? `${m.by} made the whiteboard view-only.` : `${m.by} lets everyone draw again.`);
  },
  'wb.cleared': (port, m) => {
    port.whiteboard(m);
    port.notice(`${m.by} cleared the whiteboard.`);
  },
  'wb.cursor': (port, m) => port.whiteboard(m),
  error: (port, m) => {
    const fatal = FATAL_ERRORS[m.code];
    if (fatal) return port.finish(...fatal);
    if (m.ref?.startsWith(WHITEBOARD_REF_PREFIX)) {
      // The board syncs itself again after a refusal; a rate limit is its business alone (drawing fast is not a
      // mistake), while a full or view-only board is news for the person.
      port.whiteboard(m);
      if (m.code === 'rate_limited') return;
    }
    port.notice(m.message);
  },
};

export function handleServerMessage<T extends ServerMessageType>(port: SessionPort, message: ServerMessageOf<T>): void {
  (messageHandlers[message.type] as (p: SessionPort, m: ServerMessageOf<T>) => void)(port, message);
}
