import type { AwsEndpoint } from './emulators/aws-endpoint';
import { LOCAL_ACCOUNT_ID } from './lambda/runtime';
import { AVATARS_BUCKET_NAME, BUCKET_NAME, DB_NAME, LOCAL_MAIL_FROM, STAGE, TABLE_NAME } from './names';
import type { DynamoStandIn } from './standins/dynamodb';
import type { S3StandIn } from './standins/s3';
import type { LocalCredentials } from './emulators/sigv4-verify';
import { LOCAL_REGION } from './standins/sdk-config';
import type { SqsStandIn } from './standins/sqs';
import { runtimeConfigFile, type RuntimeConfigFile } from '../functions/shared/protocol/runtime-config';
import { MAIL_FROM_ENV } from '../functions/auth/mailer';
import { AVATARS_BUCKET_ENV } from '../functions/avatars/avatar-objects';
import { PEER_PING_INTERVAL_MS } from '../functions/signaling/heartbeat';
import { REDIS_CLUSTER_ENV, REDIS_URL_ENV, redisEnvironment } from '../functions/shared/redis-config';

/** The environment of docs/contracts.md, with the SDK endpoint variables pointing at the stand-ins. */
export function functionEnv(p: {
  publicUrl: string;
  port: number;
  /** The local stack's own credentials (local-credentials.ts): the emulators verify signatures against them. */
  credentials: LocalCredentials;
  dynamo: DynamoStandIn;
  s3: S3StandIn;
  sqs: SqsStandIn;
  aws: AwsEndpoint;
  authKeysArn: string;
  dbSecretArn: string;
  redisUrl?: string;
  redisCluster?: boolean;
}): Record<string, string> {
  const inherited = (name: string, fallback: string) => process.env[name] ?? fallback;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: p.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: p.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: p.dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: p.s3.endpoint,
    AWS_ENDPOINT_URL_SQS: p.sqs.endpoint,
    AWS_ENDPOINT_URL_RDS_DATA: p.aws.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: p.aws.url,
    AWS_ENDPOINT_URL_LAMBDA: p.aws.url,
    AWS_ENDPOINT_URL_SESV2: p.aws.url,
    S3_FORCE_PATH_STYLE: 'true',
    CONNECTIONS_TABLE: TABLE_NAME,
    WS_CALLBACK_URL: `http://127.0.0.1:${p.port}/_aws/ws`,
    OPENER_FUNCTION_NAME: 'PeerOpener',
    DB_CLUSTER_ARN: `arn:aws:rds:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:cluster:connect-now-local`,
    DB_SECRET_ARN: p.dbSecretArn,
    DB_NAME,
    ...(p.redisUrl ? redisEnvironment(p.redisUrl, { cluster: p.redisCluster ?? false }) : {}),
    AUTH_KEYS_SECRET_ARN: p.authKeysArn,
    PUBLIC_URL: p.publicUrl,
    ALLOWED_ORIGINS: inherited('ALLOWED_ORIGINS', `${p.publicUrl},http://127.0.0.1:${p.port}`),
    // Offline laptop: no STUN/TURN unless the developer configures some (never PeerJS's public defaults).
    ICE_SERVERS_JSON: inherited('ICE_SERVERS_JSON', '[]'),
    ROOM_MAX_PARTICIPANTS: inherited('ROOM_MAX_PARTICIPANTS', '8'),
    RECORDINGS_BUCKET: BUCKET_NAME,
    [AVATARS_BUCKET_ENV]: AVATARS_BUCKET_NAME,
    TRANSCRIBE_QUEUE_URL: p.sqs.queueUrls['transcribe']!,
    BURN_IN_QUEUE_URL: p.sqs.queueUrls['burn-in']!,
    SCALER_FUNCTION_NAME: 'Scaler',
    TRANSCODE_FUNCTION_NAME: 'Transcode',
    [MAIL_FROM_ENV]: LOCAL_MAIL_FROM,
    LOG_LEVEL: inherited('LOG_LEVEL', 'WARN'),
  };
}

// Inherited AWS settings would send the functions' clients to a real account.
const CLEARED = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'FLEET_ASG_NAME'];

export function applyEnv(env: Record<string, string>, redisUrl: string | undefined): void {
  for (const name of CLEARED) delete process.env[name];
  if (!redisUrl) delete process.env[REDIS_URL_ENV];
  // A cluster flag left over from the developer's shell must not describe a Redis it was not set for.
  delete process.env[REDIS_CLUSTER_ENV];
  Object.assign(process.env, env);
}

export function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

/**
 * The local config.json. The socket URL is a path, so the page derives it from its own origin: the gateway answers
 * on localhost and 127.0.0.1 alike, and the CSP (`connect-src 'self'`) and the URL then always agree, whichever
 * name is in the address bar.
 */
export function runtimeConfig(): RuntimeConfigFile {
  return runtimeConfigFile({
    apiBase: '/api',
    wsUrl: `/${STAGE}`,
    peer: { path: '/', key: 'peerjs', pingInterval: PEER_PING_INTERVAL_MS },
    ...(process.env.GOOGLE_CLIENT_ID ? { googleClientId: process.env.GOOGLE_CLIENT_ID } : {}),
    maxParticipants: Number(process.env.ROOM_MAX_PARTICIPANTS ?? 8),
  });
}
