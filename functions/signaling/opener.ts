import { logger } from '../shared/logger';
import { openerEventSchema } from './opener-event';
import { openPeer, type OpenPeerDeps } from './open-peer';
import { sleep, wsNotifier } from './ports';

export function createOpenerHandler(deps: () => OpenPeerDeps) {
  return async (event: unknown): Promise<void> => {
    // Only WsConnect invokes this function; a malformed event is a deployment bug and fails loudly.
    const parsed = openerEventSchema.parse(event);
    const result = await openPeer(deps(), parsed);
    logger.info('peer socket answered', { connectionId: parsed.connectionId, action: parsed.action, result });
  };
}

/** PeerOpener: invoked asynchronously by WsConnect with `{ connectionId, action }`. */
export const handler = createOpenerHandler(() => ({ notifier: wsNotifier, sleep }));
