import type { Context } from 'aws-lambda';
import {
  credentialFromProtocols,
  PROTOCOL_HEADER,
  SOCKET_PROTOCOL,
} from '../../../../functions/shared/protocol/socket-credential';
import { recorder } from './recorder';

/** What a `$connect` integration answers to let the handshake finish: 200 and the echoed subprotocol. */
export const CONNECTED = { statusCode: 200, headers: { [PROTOCOL_HEADER]: SOCKET_PROTOCOL } };

/**
 * One module that stands in for every function in the local-cloud tests: it records each invocation and runs the
 * behaviour the test set for that function, or a neutral default (allow on $connect with the subprotocol echoed, 200 elsewhere).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- events of every kind pass through here
export async function handler(event: any, context: Context): Promise<unknown> {
  const rec = recorder();
  rec.calls.push({ fn: context.functionName, event, context, at: Date.now() });
  const behavior = rec.behaviors[context.functionName];
  if (behavior) return behavior(event, context);
  if (context.functionName === 'WsAuthorizer') {
    const credential = credentialFromProtocols(event.headers?.[PROTOCOL_HEADER]);
    return {
      principalId: `user-${credential}`,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { sub: `user-${credential}`, roomId: 'room-1', kind: 'room' },
    };
  }
  if (context.functionName === 'WsConnect') return CONNECTED;
  return { statusCode: 200 };
}
