import { TooManyRequests, isAppError } from '../shared/errors';
import { logger } from '../shared/logger';
import {
  decodeClientMessage,
  errorMessage,
  type ClientMessage,
  type ErrorCode,
  type ServerMessageOf,
} from '../shared/protocol/room';
import { RoomRuleError, notAllowed } from './errors';
import { askUnmute, endMeeting, muteAll, remove, setCohost, setLocked } from './host-actions';
import { admit, deny, knock, leaveLobby } from './lobby-actions';
import { claimAfterGrace, join, leave, sendChat, setState } from './participant-actions';
import { claimPollExpired, closePollNow, createPoll, votePoll } from './polls/poll-actions';
import {
  askForHelp,
  assignBreakout,
  broadcastToBreakouts,
  claimBreakoutsExpired,
  closeBreakouts,
  joinBreakout,
  openBreakouts,
} from './breakouts/breakout-actions';
import { lowerHand, sendReaction } from './reactions/reaction-actions';
import { recordingStarted, recordingStopped } from './reactions/recording-notice';
import type { Handler, RoomDeps, SocketIdentity } from './room-context';
import { clearWhiteboard, lockWhiteboard, whiteboardCursor, whiteboardSync } from './whiteboard/whiteboard-actions';

type Handlers = { [T in ClientMessage['type']]: Handler<T> };

const handlers: Handlers = {
  join,
  leave,
  state: setState,
  'chat.send': sendChat,
  knock,
  'lobby.admit': admit,
  'lobby.deny': deny,
  'host.cohost': setCohost,
  'host.lock': setLocked,
  'host.remove': remove,
  'host.muteAll': muteAll,
  'host.askUnmute': askUnmute,
  'host.end': endMeeting,
  'grace.expired': claimAfterGrace,
  'poll.create': createPoll,
  'poll.vote': votePoll,
  'poll.close': closePollNow,
  'poll.expired': claimPollExpired,
  'reaction.send': sendReaction,
  'host.lowerHand': lowerHand,
  'recording.started': recordingStarted,
  'recording.stopped': recordingStopped,
  'breakout.open': openBreakouts,
  'breakout.assign': assignBreakout,
  'breakout.join': joinBreakout,
  'breakout.close': closeBreakouts,
  'breakout.expired': claimBreakoutsExpired,
  'breakout.broadcast': broadcastToBreakouts,
  'breakout.help': askForHelp,
  'wb.sync': whiteboardSync,
  'wb.clear': clearWhiteboard,
  'wb.lock': lockWhiteboard,
  'wb.cursor': whiteboardCursor,
};

const WHITEBOARD_FRAME_PREFIX = '{"type":"wb.';

/** What a socket holding a lobby ticket may send; everything else would reach the meeting before being let in. */
const LOBBY_TYPES: ReadonlySet<ClientMessage['type']> = new Set(['knock', 'leave']);

function socketError(error: unknown, ref: string | undefined): ServerMessageOf<'error'> | undefined {
  if (error instanceof RoomRuleError) return errorMessage(error.socketCode, error.message, ref);
  if (error instanceof TooManyRequests) return errorMessage('rate_limited', error.message, ref);
  if (isAppError(error)) {
    const code: ErrorCode =
      error.status === 404
        ? 'not_found'
        : error.status === 413
          ? 'message_too_large'
          : error.status === 503
            ? 'unavailable'
            : 'invalid_message';
    return errorMessage(error.status === 403 ? 'not_allowed' : code, error.message, ref);
  }
  return undefined;
}

async function dispatch(deps: RoomDeps, who: SocketIdentity, message: ClientMessage): Promise<void> {
  if (who.role === 'lobby' && !LOBBY_TYPES.has(message.type)) {
    throw notAllowed('You are waiting in the lobby: a host has to let you in first');
  }
  if (who.role === 'lobby' && message.type === 'leave') {
    await leaveLobby(deps, who.roomId, who.peerId, who.connectionId);
    await deps.notifier.close(who.connectionId);
    return;
  }
  const handler = handlers[message.type] as Handler<typeof message.type>;
  await handler(deps, who, message);
}

/**
 * A socket past its message budget is told why once and closed: answering every excess frame would double what the
 * flood costs, and a new socket needs a ticket that is itself rate-limited. (Per-action limits such as chat only
 * refuse the action: a chatty person is not an attacker.)
 */
async function isFlooding(deps: RoomDeps, who: SocketIdentity, whiteboard: boolean): Promise<boolean> {
  try {
    if (whiteboard) await deps.rateLimit(`room-wb:${who.connectionId}`, deps.limits.whiteboardMessage);
    else await deps.rateLimit(`room-msg:${who.connectionId}`, deps.limits.roomMessage);
    return false;
  } catch (error) {
    if (!(error instanceof TooManyRequests)) throw error;
    logger.warn('room socket flooding: closed', { roomId: who.roomId, connectionId: who.connectionId });
    await deps.notifier.send(
      who.connectionId,
      errorMessage('rate_limited', `${error.message}: this socket sent too many messages and is closed`),
    );
    await deps.notifier.close(who.connectionId);
    return true;
  }
}

/**
 * One inbound frame from a room socket. Refusals (flooding, malformed, oversize, not allowed) go back to the
 * sender alone as an `error` and change nothing. Unexpected failures also tell the sender, then propagate so
 * Lambda records them.
 */
export async function receiveRoomMessage(deps: RoomDeps, who: SocketIdentity, raw: string | undefined): Promise<void> {
  let ref: string | undefined;
  try {
    // Counted before parsing: garbage floods cost as much as valid ones. Drawing sends many small frames (strokes,
    // cursors), so whiteboard frames have their own budget; which one a frame spends is read from its first bytes
    // (the encoder writes `type` first), and a frame that claimed one budget but is another type is refused below.
    const whiteboard = typeof raw === 'string' && raw.startsWith(WHITEBOARD_FRAME_PREFIX);
    if (await isFlooding(deps, who, whiteboard)) return;
    const decoded = decodeClientMessage(raw);
    if (!decoded.ok) {
      await deps.notifier.send(
        who.connectionId,
        errorMessage(decoded.error.code, decoded.error.message, decoded.error.ref),
      );
      return;
    }
    ref = decoded.message.ref;
    if (whiteboard !== decoded.message.type.startsWith('wb.')) {
      await deps.notifier.send(
        who.connectionId,
        errorMessage('invalid_message', 'whiteboard frames start with their type', ref),
      );
      return;
    }
    await dispatch(deps, who, decoded.message);
  } catch (error) {
    const reply = socketError(error, ref);
    if (reply) {
      logger.info('room message refused', { roomId: who.roomId, connectionId: who.connectionId, code: reply.code });
      await deps.notifier.send(who.connectionId, reply);
      if (error instanceof RoomRuleError && error.closeSocket) await deps.notifier.close(who.connectionId);
      return;
    }
    await deps.notifier
      .send(who.connectionId, errorMessage('internal', 'Something went wrong on our side; try again', ref))
      .catch(() => false); // the original error is the one to report
    throw error;
  }
}
