/** Names of the local resources: what the CDK stacks create in AWS, with fixed names here. */
export const TABLE_NAME = 'connect-now-connections';
export const BUCKET_NAME = 'connect-now-recordings';
export const DB_NAME = 'connect_now';
export const AUTH_KEYS_SECRET = 'connect-now/auth-keys';
export const DB_SECRET = 'connect-now/db-credentials';
export const STAGE = 'peerjs';
export const API_ID = 'local';
// What AWS gives them: 15 min for transcode/burn-in functions, so SQS visibility must exceed it.
export const DEFAULT_VISIBILITY_SECONDS = 960;
