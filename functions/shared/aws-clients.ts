import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requireEnv } from './env';

/*
 * Clients are created once per container and reused across invocations (connection reuse is most of a warm
 * Lambda's speed). Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so the same code talks to AWS
 * or to the local stand-ins without a branch.
 */
// `once` calls are marked pure so esbuild drops the clients a function never uses (the SDK packages declare
// "sideEffects": false): without it every bundle carried all nine clients.
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export const dynamo = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
);

// WHEN_REQUIRED: otherwise the SDK frames streamed bodies as aws-chunked (stored corrupt by s3rver) and puts an
// empty-body checksum into presigned URLs that real S3 then rejects. Path style is only for the local stand-in.
export const s3 = /* @__PURE__ */ once(
  () =>
    new S3Client({
      forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
);

export const sqs = /* @__PURE__ */ once(() => new SQSClient({}));
export const rdsData = /* @__PURE__ */ once(() => new RDSDataClient({}));
export const secrets = /* @__PURE__ */ once(() => new SecretsManagerClient({}));
export const lambda = /* @__PURE__ */ once(() => new LambdaClient({}));
export const ses = /* @__PURE__ */ once(() => new SESv2Client({}));
export const autoScaling = /* @__PURE__ */ once(() => new AutoScalingClient({}));

const managementClients = new Map<string, ApiGatewayManagementApiClient>();

/**
 * Sockets the @connections client may open at once. The SDK's default of 50 queues the rest in order: a breakout
 * move's roster updates waited behind 130+ queued posts (the ICE candidates of the calls being set up) when the local
 * cloud ran every handler in one process (the SDK warned "socket usage at capacity=50"). In AWS a room fan-out (one
 * post per person, at most ROOM_MAX_PARTICIPANTS = 100) is the most one invocation sends. 256 covers both and stays
 * far below Lambda's 1 024 file descriptors per execution environment, which a larger pool could exhaust.
 */
export const MANAGEMENT_MAX_SOCKETS = 256;

/** The @connections client for a WebSocket API stage (WS_CALLBACK_URL by default). */
export function managementApi(endpoint: string = requireEnv('WS_CALLBACK_URL')): ApiGatewayManagementApiClient {
  let client = managementClients.get(endpoint);
  if (!client) {
    const agent = { keepAlive: true, maxSockets: MANAGEMENT_MAX_SOCKETS };
    client = new ApiGatewayManagementApiClient({ endpoint, requestHandler: { httpAgent: agent, httpsAgent: agent } });
    managementClients.set(endpoint, client);
  }
  return client;
}
