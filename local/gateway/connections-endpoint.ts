import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeComponent } from '../../functions/shared/percent-encoding';
import { AwsServiceError, readBody, sendRestJsonError } from '../emulators/aws-http';
import { requireSignature, type LocalCredentials } from '../emulators/sigv4-verify';
import { isLoopbackAddress } from '../listener-guard';
import { MESSAGE_LIMIT, type WebSocketApi } from './websocket-api';

export const CONNECTIONS_PREFIX = '/_aws/ws/@connections/';

/**
 * The execute-api management API (`@connections`) that the unchanged ApiGatewayManagementApiClient calls with
 * WS_CALLBACK_URL: POST sends, GET describes, DELETE closes. In AWS it needs IAM-signed requests; locally only
 * requests from this machine signed with the local stack's own credentials are accepted, so a web page cannot post
 * into someone else's socket.
 */
export async function handleConnections(
  api: WebSocketApi,
  credentials: LocalCredentials,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  try {
    if (!isLoopbackAddress(req.socket.remoteAddress)) throw new AwsServiceError('ForbiddenException', 'Forbidden', 403);
    await requireSignature(req, credentials);
    // Ids are base64 and may contain '/': the SDK sends it as %2F, so only a raw '/' means another path segment.
    const segment = pathname.slice(CONNECTIONS_PREFIX.length);
    if (!segment || segment.includes('/'))
      throw new AwsServiceError('BadRequestException', 'Invalid connectionId', 400);
    const id = decodeComponent(segment);
    if (id === undefined) throw new AwsServiceError('BadRequestException', 'Invalid connectionId', 400);
    switch (req.method) {
      case 'POST': {
        const data = await readBody(req, MESSAGE_LIMIT + 1).catch(() => Buffer.alloc(MESSAGE_LIMIT + 1));
        const outcome = api.post(id, data);
        if (outcome === 'gone') throw gone(id);
        if (outcome === 'too-large') {
          res.writeHead(413, { 'content-type': 'application/json', 'x-amzn-errortype': 'PayloadTooLargeException' });
          res.end(JSON.stringify({ message: 'Message too long' }));
          return;
        }
        res.writeHead(200).end();
        return;
      }
      case 'GET': {
        const info = api.info(id);
        if (!info) throw gone(id);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            connectedAt: info.connectedAt.toISOString(),
            identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
            lastActiveAt: info.lastActiveAt.toISOString(),
          }),
        );
        return;
      }
      case 'DELETE':
        if (!api.close(id)) throw gone(id);
        res.writeHead(204).end();
        return;
      default:
        throw new AwsServiceError('BadRequestException', `Method ${req.method} not allowed`, 405);
    }
  } catch (error) {
    sendRestJsonError(
      res,
      error instanceof AwsServiceError ? error : new AwsServiceError('InternalServerError', String(error), 500),
    );
  }
}

function gone(id: string): AwsServiceError {
  return new AwsServiceError('GoneException', `Connection ${id} is gone or not yet connected`, 410);
}
