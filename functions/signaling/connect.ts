import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { isAppError } from '../shared/errors';
import { logger } from '../shared/logger';
import { addressBucket } from '../shared/address-bucket';
import { RedisMembership } from '../shared/membership';
import { closeConnection } from '../shared/ws-notifier';
import { limits, rateLimit } from '../shared/rate-limit';
import { PROTOCOL_HEADER, SOCKET_PROTOCOL } from '../shared/protocol/socket-credential';
import { connectionRegistry } from './connection-registry';
import type { OpenerEvent } from './opener-event';
import { registerConnection, type RegisterConnectionDeps } from './register-connection';
import { identityOf, viewerAddress, type WsEvent, type WsResult } from './ws-event';

const membership = new RedisMembership();

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
    membership,
    close: closeConnection,
    countConnect: async (sub, address) => {
      await rateLimit(`ws-connect:${sub}`, limits.wsConnect);
      await rateLimit(`ws-connect-addr:${addressBucket(address)}`, limits.wsConnectAddress);
    },
  };
}

export function createConnectHandler(deps: () => RegisterConnectionDeps) {
  return async (event: WsEvent): Promise<WsResult> => {
    const { connectionId } = event.requestContext;
    try {
      const identity = identityOf(event);
      const result = await registerConnection(deps(), connectionId, identity, viewerAddress(event));
      // Keys per call, not appendKeys: locally every handler shares one process and one logger.
      logger.info('connected', { connectionId, roomId: identity.roomId, kind: identity.kind, result });
      // The client offered our protocol and its credential as subprotocols (the authorizer checked both); the
      // handshake completes only if one is echoed, and only the protocol name is, never the credential.
      return { statusCode: 200, headers: { [PROTOCOL_HEADER]: SOCKET_PROTOCOL } };
    } catch (error) {
      // A non-2xx answer is the only thing $connect can say: the browser sees the handshake fail.
      if (isAppError(error)) return { statusCode: error.status, body: error.message };
      throw error;
    }
  };
}

/** WsConnect: `$connect` of both sockets (PeerJS and room) on the WebSocket API. */
export const handler = createConnectHandler(defaultConnectDeps);
