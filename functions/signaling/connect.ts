import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { isAppError } from '../shared/errors';
import { logger } from '../shared/logger';
import { connectionRegistry } from './connection-registry';
import type { OpenerEvent } from './opener-event';
import { registerConnection, type RegisterConnectionDeps } from './register-connection';
import { identityOf, type WsEvent, type WsResult } from './ws-event';

export function defaultConnectDeps(): RegisterConnectionDeps {
  return {
    registry: connectionRegistry(),
    requestOpen: async (event: OpenerEvent) => {
      await lambda().send(
        new InvokeCommand({
          FunctionName: requireEnv('OPENER_FUNCTION_NAME'),
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
    },
    now: Date.now,
  };
}

export function createConnectHandler(deps: () => RegisterConnectionDeps) {
  return async (event: WsEvent): Promise<WsResult> => {
    const { connectionId } = event.requestContext;
    try {
      const identity = identityOf(event);
      const result = await registerConnection(deps(), connectionId, identity);
      // Keys per call, not appendKeys: locally every handler shares one process and one logger.
      logger.info('connected', { connectionId, roomId: identity.roomId, kind: identity.kind, result });
      return { statusCode: 200 };
    } catch (error) {
      // A non-2xx answer is the only thing $connect can say: the browser sees the handshake fail.
      if (isAppError(error)) return { statusCode: error.status, body: error.message };
      throw error;
    }
  };
}

/** WsConnect: `$connect` of both sockets (PeerJS and room) on the WebSocket API. */
export const handler = createConnectHandler(defaultConnectDeps);
