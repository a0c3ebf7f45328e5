import { issueRoomTicket } from '../auth/tickets';
import { connectionRegistry } from '../signaling/connection-registry';
import { RedisMembership } from '../shared/membership';
import { limits, rateLimit } from '../shared/rate-limit';
import { serverMessageSchema } from '../shared/protocol/room';
import { closeConnection, postToConnection } from '../shared/ws-notifier';
import { RedisLiveRoomState } from './live-state';
import type { Notifier, RoomDeps } from './room-context';
import { SqlRoomStore } from './room-store';
import { RedisPollLiveState } from './polls/poll-live';
import { SqlPollStore } from './polls/poll-store';
import { RedisBreakoutLiveState } from './breakouts/breakout-live';
import { RedisWhiteboardLive } from './whiteboard/board-live';
import { SqlWhiteboardStore } from './whiteboard/board-store';

/** Every outbound message is checked against the shared schema: a server bug must not reach browsers as garbage. */
export const wsNotifier: Notifier = {
  send: (connectionId, message) => postToConnection(connectionId, serverMessageSchema.parse(message)),
  close: closeConnection,
};

let shared: RoomDeps | undefined;

/** The production wiring (created once per container; clients inside are created lazily on first use). */
export function roomDeps(): RoomDeps {
  return (shared ??= {
    store: new SqlRoomStore(),
    live: new RedisLiveRoomState(),
    membership: new RedisMembership(),
    pollLive: new RedisPollLiveState(),
    pollStore: new SqlPollStore(),
    breakouts: new RedisBreakoutLiveState(),
    whiteboardLive: new RedisWhiteboardLive(),
    whiteboardStore: new SqlWhiteboardStore(),
    notifier: wsNotifier,
    connections: { listRoom: (roomId, kind) => connectionRegistry().listRoom(roomId, kind) },
    issueTicket: issueRoomTicket,
    rateLimit,
    limits: {
      chat: limits.chat,
      roomMessage: limits.roomMessage,
      pollVote: limits.pollVote,
      reaction: limits.reaction,
      breakout: limits.breakout,
      whiteboard: limits.whiteboard,
      whiteboardMessage: limits.whiteboardMessage,
    },
    now: Date.now,
  });
}
