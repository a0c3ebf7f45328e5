import { createServer, type Server } from 'node:http';
import type { LambdaRuntime } from '../lambda/runtime';
import { guardServer } from '../listener-guard';
import { closeServer, listenLoopback } from '../standins/listen';
import { AwsServiceError, sendJson11Error, sendRestJsonError } from './aws-http';
import { handleInvoke, isInvokePath } from './lambda-invoke';
import { RdsDataApi } from './rds-data-api';
import type { SecretsManagerEmulator } from './secrets-manager';
import type { SesStandIn } from '../standins/ses';
import { requireSignature, type LocalCredentials } from './sigv4-verify';

export interface AwsEndpoint {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * One loopback port for the AWS APIs that have no stand-in package: the RDS Data API, Secrets Manager,
 * Lambda Invoke and SES v2, each accepting only requests SigV4-signed with the local stack's own credentials. The real SDK clients reach it through AWS_ENDPOINT_URL_RDS_DATA / _SECRETS_MANAGER / _LAMBDA;
 * the three protocols never collide (restJson1 paths vs. an X-Amz-Target header).
 */
export async function startAwsEndpoint(parts: {
  dataApi: RdsDataApi;
  secrets: SecretsManagerEmulator;
  runtime: LambdaRuntime;
  /** SES v2 (SendEmail into the local inbox). @default - no SES: its paths answer 404 */
  ses?: SesStandIn;
  /** The only credentials whose SigV4 signatures are accepted. */
  credentials: LocalCredentials;
}): Promise<AwsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://aws.local').pathname;
    const target = req.headers['x-amz-target'];
    const secretsCall = typeof target === 'string' && target.startsWith('secretsmanager.');
    const route = () =>
      req.method !== 'POST'
        ? Promise.resolve(sendRestJsonError(res, new AwsServiceError('UnknownOperationException', 'POST only', 404)))
        : secretsCall
          ? parts.secrets.handle(req, res, target)
          : RdsDataApi.PATHS.includes(path)
            ? parts.dataApi.handle(req, res, path)
            : isInvokePath(path)
              ? handleInvoke(parts.runtime, req, res, path)
              : parts.ses?.isPath(path)
                ? parts.ses.handle(req, res, path)
                : Promise.resolve(
                    sendRestJsonError(
                      res,
                      new AwsServiceError('UnknownOperationException', `No local emulator for ${path}`, 404),
                    ),
                  );
    // Any web page can make the browser send requests to a loopback port: only the stack's own signature counts.
    const work = requireSignature(req, parts.credentials).then(route, (error: unknown) => {
      if (!(error instanceof AwsServiceError)) throw error;
      if (secretsCall) sendJson11Error(res, error);
      else sendRestJsonError(res, error);
    });
    work.catch((error) => {
      console.error('[aws-endpoint]', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  guardServer(server);
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, port, stop: () => closeServer(server) };
}
