import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFunctionName } from '../lambda/functions';
import { FunctionMissingError, type LambdaRuntime } from '../lambda/runtime';
import { decodeComponent } from '../../functions/shared/percent-encoding';
import { LAMBDA_PAYLOAD_LIMITS } from '../../functions/shared/lambda-limits';
import { AwsServiceError, readBody, sendRestJsonError } from './aws-http';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
// Lambda's payload quotas: 6 MB for synchronous, 1 MB for asynchronous (Event) invocations.
const SYNC_LIMIT = LAMBDA_PAYLOAD_LIMITS.syncBytes;
const ASYNC_LIMIT = LAMBDA_PAYLOAD_LIMITS.asyncBytes;

export function isInvokePath(path: string): boolean {
  return INVOKE_PATH.test(path);
}

/**
 * Lambda Invoke (restJson1): RequestResponse runs the handler and returns its result (errors as
 * X-Amz-Function-Error: Unhandled with the error payload), Event answers 202 and runs it in the background.
 * Functions are found by logical name, by ARN or by name:qualifier.
 */
export async function handleInvoke(
  runtime: LambdaRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  try {
    const raw = decodeComponent(INVOKE_PATH.exec(path)![1]!);
    if (raw === undefined) throw new AwsServiceError('InvalidParameterValueException', 'Malformed function name', 400);
    const name = raw.includes(':function:') ? raw.split(':function:')[1]!.split(':')[0]! : raw.split(':')[0]!;
    if (!isFunctionName(name) || !runtime.isAvailable(name)) {
      throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${raw}`, 404);
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const body = await readBody(req, type === 'Event' ? ASYNC_LIMIT : SYNC_LIMIT).catch(() => {
      throw new AwsServiceError('RequestTooLargeException', 'Request must be smaller than the payload quota', 413);
    });
    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new AwsServiceError('InvalidRequestContentException', 'Could not parse request body into json', 400);
    }
    if (type === 'DryRun') {
      res.writeHead(204).end();
    } else if (type === 'Event') {
      runtime.invokeAsync(name, event);
      res.writeHead(202, { 'x-amzn-requestid': cryptoId() }).end();
    } else if (type === 'RequestResponse') {
      try {
        const result = await runtime.invoke(name, event);
        // The runtime refuses a response over the synchronous quota as Lambda does: a function error.
        const payload = JSON.stringify(result ?? null);
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end(payload);
      } catch (error) {
        if (error instanceof FunctionMissingError)
          throw new AwsServiceError('ResourceNotFoundException', error.message, 404);
        const e = error instanceof Error ? error : new Error(String(error));
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amz-executed-version': '$LATEST',
          'x-amz-function-error': 'Unhandled',
        });
        res.end(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }));
      }
    } else {
      throw new AwsServiceError('InvalidParameterValueException', `Invalid InvocationType ${type}`);
    }
  } catch (error) {
    sendRestJsonError(
      res,
      error instanceof AwsServiceError ? error : new AwsServiceError('ServiceException', String(error), 500),
    );
  }
}

function cryptoId(): string {
  return globalThis.crypto.randomUUID();
}
