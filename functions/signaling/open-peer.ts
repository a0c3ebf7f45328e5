import { ID_TAKEN_MESSAGE, OPEN_MESSAGE } from '../shared/protocol/peerjs';
import type { OpenerEvent } from './opener-event';
import type { Notifier, Sleep } from './ports';

export interface OpenPeerDeps {
  notifier: Notifier;
  sleep: Sleep;
}

/**
 * The async invoke can land before API Gateway has finished the handshake (posts get 410 until then); a few
 * short retries cover that. ~3 s in all: longer than a slow handshake, shorter than a user's patience.
 */
export const OPEN_RETRY_DELAYS_MS = [25, 50, 100, 200, 300, 400, 500, 600, 800] as const;

export class ConnectionNeverOpened extends Error {
  constructor(connectionId: string) {
    super(`Connection ${connectionId} still refused posts after ${OPEN_RETRY_DELAYS_MS.length + 1} attempts`);
    this.name = 'ConnectionNeverOpened';
  }
}

async function postWhenReady(deps: OpenPeerDeps, connectionId: string, message: unknown): Promise<boolean> {
  if (await deps.notifier.post(connectionId, message)) return true;
  for (const delay of OPEN_RETRY_DELAYS_MS) {
    await deps.sleep(delay);
    if (await deps.notifier.post(connectionId, message)) return true;
  }
  return false;
}

/**
 * PeerOpener: tells a fresh PeerJS socket it is open (the client's only 'open' signal; calls made before it are
 * lost), or that its id is taken and closes it. After a same-identity rebind the previous socket is closed, so a
 * stale tab cannot keep signalling under an id that now belongs to the new one.
 */
export async function openPeer(deps: OpenPeerDeps, event: OpenerEvent): Promise<'opened' | 'refused'> {
  if (event.action === 'id-taken') {
    await postWhenReady(deps, event.connectionId, ID_TAKEN_MESSAGE);
    // Closed even when the post never landed: the socket must not stay without an id.
    await deps.notifier.close(event.connectionId);
    return 'refused';
  }
  if (event.replacedConnectionId) await deps.notifier.close(event.replacedConnectionId);
  // Thrown so the async invoke is retried (Lambda retries twice): a late OPEN beats a page that never opens.
  if (!(await postWhenReady(deps, event.connectionId, OPEN_MESSAGE)))
    throw new ConnectionNeverOpened(event.connectionId);
  return 'opened';
}
