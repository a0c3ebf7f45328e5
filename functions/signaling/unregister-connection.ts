import type { ServerMessage } from '../shared/protocol/peerjs';
import type { ConnectionRecord, ConnectionRegistry } from './connection-registry';
import { goneForGood } from './handshake-grace';
import type { Notifier } from './ports';

export interface UnregisterDeps {
  registry: ConnectionRegistry;
  notifier: Notifier;
  /** The room feature's own cleanup (roster, host hand-over) for a closed room socket. */
  onRoomSocketDisconnected(conn: ConnectionRecord): Promise<void>;
  /** Epoch ms (tests move it); default Date.now. */
  now?: () => number;
}

export type UnregisterResult =
  | { status: 'unknown' }
  | { status: 'room' }
  | { status: 'user' }
  /** `told`: peers that got LEAVE; 0 with `released: false` when a newer socket of the same identity holds the id. */
  | { status: 'peer'; peerId?: string; released: boolean; told: string[] };

/**
 * $disconnect. The reference server sends LEAVE only when a relay fails; we tell the room straight away, so
 * the others close their calls to the gone peer at once instead of waiting ~0.5 s+ for ICE/data-channel timeouts
 * (or forever, when the browser crashed and no data-channel close ever comes).
 */
export async function unregisterConnection(deps: UnregisterDeps, connectionId: string): Promise<UnregisterResult> {
  const conn = await deps.registry.getConnection(connectionId);
  if (!conn) return { status: 'unknown' };
  await deps.registry.deleteConnection(connectionId);

  if (conn.kind === 'user') return { status: 'user' };
  if (conn.kind === 'room') {
    await deps.onRoomSocketDisconnected(conn);
    return { status: 'room' };
  }
  if (!conn.peerId) return { status: 'peer', released: false, told: [] };

  // A reload or reconnect() may have rebound the id to a newer socket already: then the peer has not left.
  const released = await deps.registry.releasePeerId(conn.peerId, connectionId);
  if (!released) return { status: 'peer', peerId: conn.peerId, released, told: [] };

  const goneId = conn.peerId;
  const inRoom = await deps.registry.listRoom(conn.roomId);
  // Only the signalling socket dropped (a network blip, an idle close): the person is still in the meeting on their
  // room socket, and their calls still carry media peer to peer. A LEAVE would make every other page close its call
  // to them (PeerJS closes all of a peer's connections on LEAVE), only for the calls to be dialled again once their
  // page has reconnected. If they really are gone, their room socket's close takes them off the roster, and every
  // page's mesh drops its calls to them then.
  const stillInMeeting = inRoom.some(
    (c) => c.kind === 'room' && c.sub === conn.sub && c.peerId === goneId && c.connectionId !== connectionId,
  );
  if (stillInMeeting) return { status: 'peer', peerId: goneId, released, told: [] };
  const others = inRoom.filter(
    (other): other is ConnectionRecord & { peerId: string } =>
      other.kind === 'peer' && other.connectionId !== connectionId && !!other.peerId && other.role !== 'lobby',
  );
  const told: string[] = [];
  await Promise.all(
    others.map(async (other) => {
      const leave: ServerMessage = { type: 'LEAVE', src: goneId, dst: other.peerId };
      if (await deps.notifier.post(other.connectionId, leave)) {
        told.push(other.peerId);
        return;
      }
      // A peer still joining (its handshake not done) answers 410 too: it is not gone (handshake-grace.ts).
      if (!goneForGood(other, (deps.now ?? Date.now)())) return;
      await Promise.all([
        deps.registry.deleteConnection(other.connectionId),
        deps.registry.releasePeerId(other.peerId, other.connectionId),
      ]);
    }),
  );
  return { status: 'peer', peerId: goneId, released, told };
}
