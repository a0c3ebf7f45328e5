/** Names of the local resources: what the CDK stacks create in AWS, with fixed names here. */
export const TABLE_NAME = 'connect-now-connections';
export const BUCKET_NAME = 'connect-now-recordings';
/** Profile pictures (the Web stack's avatars bucket), served by the gateway under /avatars/* as CloudFront does. */
export const AVATARS_BUCKET_NAME = 'connect-now-avatars';
export const DB_NAME = 'connect_now';
export const AUTH_KEYS_SECRET = 'connect-now/auth-keys';
export const DB_SECRET = 'connect-now/db-credentials';
export const STAGE = 'peerjs';
export const API_ID = 'local';
// What AWS gives them: 15 min for transcode/burn-in functions, so SQS visibility must exceed it.
export const DEFAULT_VISIBILITY_SECONDS = 960;
/** The mail domain the local SES stand-in treats as a verified identity, and the functions' From address on it. */
export const LOCAL_MAIL_DOMAIN = 'connect-now.localhost';
export const LOCAL_MAIL_FROM = `Connect Now <no-reply@${LOCAL_MAIL_DOMAIN}>`;
/** The developer's inbox for mails the functions sent through the SES stand-in (local/gateway/server.ts). */
export const LOCAL_INBOX_PATH = '/_local/inbox';
