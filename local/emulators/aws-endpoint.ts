import { createServer, type Server } from 'node:http';
import type { LambdaRuntime } from '../lambda/runtime';
import { closeServer, listenLoopback } from '../standins/listen';
import { AwsServiceError, sendRestJsonError } from './aws-http';
import { handleInvoke, isInvokePath } from './lambda-invoke';
import { RdsDataApi } from './rds-data-api';
import type { SecretsManagerEmulator } from './secrets-manager';

export interface AwsEndpoint {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * One loopback port for the AWS APIs that have no stand-in package: the RDS Data API, Secrets Manager and
 * Lambda Invoke. The real SDK clients reach it through AWS_ENDPOINT_URL_RDS_DATA / _SECRETS_MANAGER / _LAMBDA;
 * the three protocols never collide (restJson1 paths vs. an X-Amz-Target header).
 */
export async function startAwsEndpoint(parts: {
  dataApi: RdsDataApi;
  secrets: SecretsManagerEmulator;
  runtime: LambdaRuntime;
}): Promise<AwsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://aws.local').pathname;
    const target = req.headers['x-amz-target'];
    const work =
      req.method !== 'POST'
        ? Promise.resolve(sendRestJsonError(res, new AwsServiceError('UnknownOperationException', 'POST only', 404)))
        : typeof target === 'string' && target.startsWith('secretsmanager.')
          ? parts.secrets.handle(req, res, target)
          : RdsDataApi.PATHS.includes(path)
            ? parts.dataApi.handle(req, res, path)
            : isInvokePath(path)
              ? handleInvoke(parts.runtime, req, res, path)
              : Promise.resolve(
                  sendRestJsonError(
                    res,
                    new AwsServiceError('UnknownOperationException', `No local emulator for ${path}`, 404),
                  ),
                );
    work.catch((error) => {
      console.error('[aws-endpoint]', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, port, stop: () => closeServer(server) };
}
