import type { Context } from 'aws-lambda';
import { recorder } from './recorder';

/**
 * One module that stands in for every function in the local-cloud tests: it records each invocation and runs the
 * behaviour the test set for that function, or a neutral default (allow on $connect, 200 elsewhere).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- events of every kind pass through here
export async function handler(event: any, context: Context): Promise<unknown> {
  const rec = recorder();
  rec.calls.push({ fn: context.functionName, event, context, at: Date.now() });
  const behavior = rec.behaviors[context.functionName];
  if (behavior) return behavior(event, context);
  if (context.functionName === 'WsAuthorizer') {
    return {
      principalId: `user-${event.queryStringParameters?.token}`,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { sub: `user-${event.queryStringParameters?.token}`, roomId: 'room-1', kind: 'room' },
    };
  }
  return { statusCode: 200 };
}
