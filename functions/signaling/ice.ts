import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Route } from '../api/router';
import { verifyAccessToken } from '../auth/tickets';
import { secrets } from '../shared/aws-clients';
import { optionalEnv } from '../shared/env';
import { ConfigError } from '../shared/errors';
import { bearerToken, json } from '../shared/http';
import { iceServersFor, parseStaticIceServers, parseTurnUrls, type IceConfig, type IceServer } from './ice-servers';

// Re-read now and then so a rotated TURN secret reaches warm containers without a deploy.
const SECRET_CACHE_MS = 5 * 60 * 1000;
let cached: { config: IceConfig; expires: number } | undefined;

async function readTurnSecret(arn: string): Promise<string> {
  const { SecretString } = await secrets().send(new GetSecretValueCommand({ SecretId: arn }));
  if (!SecretString) throw new ConfigError(`TURN secret ${arn} has no string value`);
  // Either the raw shared secret or JSON {"secret": "..."} (what a generated Secrets Manager secret looks like).
  try {
    const parsed = JSON.parse(SecretString) as { secret?: unknown };
    if (typeof parsed?.secret === 'string' && parsed.secret) return parsed.secret;
  } catch {
    // not JSON: the string itself is the secret
  }
  return SecretString;
}

/** ICE_SERVERS_JSON, plus TURN when both TURN_SECRET_ARN and TURN_URLS are set. */
export async function loadIceConfig(now = Date.now()): Promise<IceConfig> {
  if (cached && cached.expires > now) return cached.config;
  const staticServers = parseStaticIceServers(optionalEnv('ICE_SERVERS_JSON'));
  const secretArn = optionalEnv('TURN_SECRET_ARN');
  const urls = parseTurnUrls(optionalEnv('TURN_URLS'));
  const config: IceConfig =
    secretArn && urls.length > 0
      ? { staticServers, turn: { urls, secret: await readTurnSecret(secretArn) } }
      : { staticServers };
  cached = { config, expires: now + SECRET_CACHE_MS };
  return config;
}

/** Forgets the cached config (tests that change the environment; never needed in handlers). */
export function resetIceConfigCache(): void {
  cached = undefined;
}

/** For callers that already know who asks (e.g. the room join response). */
export async function iceServersForUser(sub: string): Promise<IceServer[]> {
  return iceServersFor(await loadIceConfig(), sub, Math.floor(Date.now() / 1000));
}

/** `GET /api/ice`: signed-in users only, since TURN relays cost money and the credentials name the user. */
export const iceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/ice',
    handle: async ({ event }) => {
      const claims = await verifyAccessToken(bearerToken(event));
      return json(200, { iceServers: await iceServersForUser(claims.sub) });
    },
  },
];
