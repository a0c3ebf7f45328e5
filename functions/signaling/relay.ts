import { isAppError, TooManyRequests } from '../shared/errors';
import { logger } from '../shared/logger';
import { errorMessage } from '../shared/protocol/peerjs';
import { limits, rateLimit } from '../shared/rate-limit';
import { connectionRegistry, type ConnectionRegistry } from './connection-registry';
import { wsNotifier } from './ports';
import { relaySignal, type RelayDeps } from './relay-signal';
import { SenderCache } from './sender-cache';
import { bodyOf, type WsEvent, type WsResult } from './ws-event';

let cachedRegistry: ConnectionRegistry | undefined;

export function defaultRelayDeps(): RelayDeps {
  // A connection's record never changes while it lives (a new ticket means a new socket), so warm containers
  // keep senders in memory and spend one DynamoDB read per frame (the destination) instead of two.
  cachedRegistry ??= new SenderCache(connectionRegistry());
  return {
    registry: cachedRegistry,
    notifier: wsNotifier,
    countFrame: (connectionId) => rateLimit(`signal:${connectionId}`, limits.signal),
  };
}

export function createRelayHandler(deps: () => RelayDeps) {
  return async (event: WsEvent): Promise<WsResult> => {
    const { connectionId } = event.requestContext;
    const d = deps();
    try {
      const outcome = await relaySignal(d, connectionId, bodyOf(event));
      if (outcome.status === 'unreachable') logger.info('signal unreachable', { connectionId, ...outcome });
      return { statusCode: 200 };
    } catch (error) {
      if (!isAppError(error)) throw error;
      // Refusals go back to the sender only, as PeerJS ERROR frames (its client reports them as 'server-error').
      logger.warn('signal refused', { connectionId, code: error.code, reason: error.message });
      await d.notifier.post(connectionId, errorMessage(error.message));
      // A flooding socket is closed: answering each excess frame would double what the flood costs us, and a new
      // socket needs a fresh room ticket, which is itself rate-limited.
      if (error instanceof TooManyRequests) await d.notifier.close(connectionId);
      return { statusCode: error.status };
    }
  };
}

/** SignalRelay: routes OFFER, ANSWER, CANDIDATE, LEAVE, EXPIRE of the PeerJS socket. */
export const handler = createRelayHandler(defaultRelayDeps);
