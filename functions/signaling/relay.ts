import { isAppError, TooManyRequests } from '../shared/errors';
import { logger } from '../shared/logger';
import { errorMessage } from '../shared/protocol/peerjs';
import { NOT_A_MEMBER, RedisMembership } from '../shared/membership';
import { limits, rateLimit } from '../shared/rate-limit';
import { connectionRegistry } from './connection-registry';
import { wsNotifier } from './ports';
import { relaySignal, type RelayDeps } from './relay-signal';
import { RegistryCache } from './registry-cache';
import { bodyOf, type WsEvent, type WsResult } from './ws-event';

let cachedRegistry: RegistryCache | undefined;
const membership = new RedisMembership();

export function defaultRelayDeps(): RelayDeps {
  // Warm containers keep senders and destinations in memory (see RegistryCache for why that is safe): a frame
  // then costs a Redis INCR and one post instead of two strongly consistent DynamoDB reads as well.
  cachedRegistry ??= new RegistryCache(connectionRegistry());
  const cache = cachedRegistry;
  return {
    registry: cache,
    notifier: wsNotifier,
    countFrame: (connectionId) => rateLimit(`signal:${connectionId}`, limits.signal),
    forgetPeer: (peerId) => cache.forgetPeer(peerId),
    membership,
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
      // A socket whose membership ended (removed, left, replaced) has nothing left to do here either.
      if (error instanceof TooManyRequests || error.code === NOT_A_MEMBER) await d.notifier.close(connectionId);
      return { statusCode: error.status };
    }
  };
}

/** SignalRelay: routes OFFER, ANSWER, CANDIDATE, LEAVE, EXPIRE of the PeerJS socket. */
export const handler = createRelayHandler(defaultRelayDeps);
