import type { ConnectionRecord } from '../signaling/connection-registry';
import { depart } from './departure';
import { leaveLobby } from './lobby-actions';
import type { RoomDeps } from './room-context';
import { roomDeps } from './room-deps';

/**
 * Called by WsDisconnect for a closed room socket: takes its owner out of the roster (or the lobby), tells the
 * room, and hands the host role over if needed. Found by connection id, so a peer id that a newer socket already
 * took over is left alone (and the record need not carry a peer id at all).
 */
export async function onRoomSocketDisconnected(conn: ConnectionRecord, deps: RoomDeps = roomDeps()): Promise<void> {
  if (conn.kind !== 'room') return;
  const [roster, lobby] = await Promise.all([deps.live.roster(conn.roomId), deps.live.lobby(conn.roomId)]);
  const waiter = lobby.find((w) => w.connectionId === conn.connectionId);
  if (waiter) await leaveLobby(deps, conn.roomId, waiter.peerId, conn.connectionId);
  const p = roster.find((r) => r.connectionId === conn.connectionId);
  if (p) await depart(deps, conn.roomId, p, 'disconnected');
}
