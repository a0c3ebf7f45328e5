import { logger } from '../shared/logger';
import { postToConnection } from '../shared/ws-notifier';
import {
  RecordingServerMessage,
  type RecordingExportMessage,
  type RecordingStatusMessage,
} from '../shared/protocol/recordings';
import { connectionRegistry, userRoomKey, type ConnectionRegistry } from '../signaling/connection-registry';
import { goneForGood } from '../signaling/handshake-grace';
import type { RecordingRecord } from './recording-store';

/** The live status message for a recording's current state. */
export function statusMessage(r: RecordingRecord): RecordingStatusMessage {
  const base = { type: 'recording.status' as const, recordingId: r.id };
  switch (r.status) {
    case 'transcribing':
      return { ...base, status: 'transcribing', percent: r.percent ?? 0 };
    case 'ready':
      return { ...base, status: 'ready', subtitleVersion: r.subtitleVersion };
    case 'failed':
      return { ...base, status: 'failed', reason: r.failureReason ?? 'Processing failed' };
    default:
      return { ...base, status: r.status };
  }
}

export function exportMessage(r: RecordingRecord): RecordingExportMessage | null {
  if (!r.exportStatus || r.exportVersion === null) return null;
  return {
    type: 'recording.export',
    recordingId: r.id,
    status: r.exportStatus,
    version: r.exportVersion,
    reason: r.exportReason,
  };
}

export interface OwnerNotifierDeps {
  registry: () => ConnectionRegistry;
  post: (connectionId: string, message: unknown) => Promise<boolean>;
  /** Epoch ms (tests move it); default Date.now. */
  now?: () => number;
}

/**
 * Pushes a message to the owner's sockets: their user sockets (Recordings page, filed under `user:{sub}` in the
 * byRoom index) and, for a recording made in a meeting, their room sockets in that room. Without any socket the
 * page's poll of the HTTP list, the source of truth either way, still shows the change.
 */
export function createOwnerNotifier(deps: OwnerNotifierDeps) {
  return async function notifyOwner(r: RecordingRecord, message: RecordingServerMessage = statusMessage(r)) {
    try {
      // The schema both socket kinds' clients validate with (the room socket's includes it): a server bug shows
      // up here, in the log, instead of as a message every browser drops.
      const payload = RecordingServerMessage.parse(message);
      const registry = deps.registry();
      const [own, inRoom] = await Promise.all([
        registry.listRoom(userRoomKey(r.ownerId), 'user'),
        r.roomId ? registry.listRoom(r.roomId, 'room') : Promise.resolve([]),
      ]);
      // The filter on sub also guards the user index: only the authorizer ever writes `user:{sub}` rows.
      const connections = [...own, ...inRoom].filter((c) => c.sub === r.ownerId);
      let delivered = 0;
      for (const c of connections) {
        if (await deps.post(c.connectionId, payload)) delivered++;
        // A socket still in its handshake answers 410 too, and is not gone (handshake-grace.ts).
        else if (goneForGood(c, (deps.now ?? Date.now)())) await registry.deleteConnection(c.connectionId);
      }
      return delivered;
    } catch (error) {
      // A push is a courtesy on top of the HTTP list; a broken push must not fail transcoding or transcription.
      logger.warn('recording status push failed', { recordingId: r.id, status: r.status, error });
      return 0;
    }
  };
}

export const notifyOwner = createOwnerNotifier({ registry: connectionRegistry, post: postToConnection });
