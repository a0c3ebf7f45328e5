import { logger } from '../shared/logger';
import { onRoomSocketDisconnected } from '../room/lifecycle';
import { connectionRegistry } from './connection-registry';
import { wsNotifier } from './ports';
import { unregisterConnection, type UnregisterDeps } from './unregister-connection';
import type { WsEvent, WsResult } from './ws-event';

export function defaultDisconnectDeps(): UnregisterDeps {
  return { registry: connectionRegistry(), notifier: wsNotifier, onRoomSocketDisconnected };
}

export function createDisconnectHandler(deps: () => UnregisterDeps) {
  return async (event: WsEvent): Promise<WsResult> => {
    const { connectionId } = event.requestContext;
    // Errors propagate: API Gateway does not retry $disconnect, but the failure must show in logs and metrics.
    const result = await unregisterConnection(deps(), connectionId);
    logger.info('disconnected', { connectionId, ...result });
    return { statusCode: 200 };
  };
}

/** WsDisconnect: `$disconnect` of both sockets. */
export const handler = createDisconnectHandler(defaultDisconnectDeps);
