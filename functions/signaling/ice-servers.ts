import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { ConfigError } from '../shared/errors';

/** The RTCIceServer shape the browser passes to `new RTCPeerConnection({ iceServers })`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/*
 * TURN credentials must outlive the longest meeting: TURN servers check them again on every allocation refresh,
 * and an API Gateway socket lasts 2 h before the page reconnects (and fetches new ones). 12 h covers a long
 * day; a leaked credential is useless after that.
 */
export const TURN_CREDENTIAL_TTL_SECONDS = 12 * 60 * 60;

const iceUrl = z
  .string()
  .regex(/^(stun|stuns|turn|turns):[^\s]+$/, 'ICE server URLs start with stun:, stuns:, turn: or turns:')
  // The original product relayed everyone's media through PeerJS's public TURN servers; never again.
  .refine((url) => !/peerjs\.com/i.test(url), 'PeerJS public STUN/TURN servers are not allowed');
const iceServersSchema = z.array(
  z.object({
    urls: z.union([iceUrl, z.array(iceUrl).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
);

/** Parses ICE_SERVERS_JSON (unset ⇒ none: peers on one network or laptop need no STUN). */
export function parseStaticIceServers(raw: string | undefined): IceServer[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError('ICE_SERVERS_JSON is not JSON; expected e.g. [{"urls":"stun:stun.example.com:3478"}]');
  }
  const parsed = iceServersSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`ICE_SERVERS_JSON is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** TURN_URLS: comma-separated turn:/turns: URLs. */
export function parseTurnUrls(raw: string | undefined): string[] {
  const urls = (raw ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const url of urls) {
    const ok = iceUrl.safeParse(url);
    if (!ok.success || !/^turns?:/.test(url)) {
      throw new ConfigError(`TURN_URLS contains "${url}"; expected comma-separated turn: or turns: URLs`);
    }
  }
  return urls;
}

/**
 * Time-limited TURN credentials, the "TURN REST API" scheme (draft-uberti-behave-turn-rest, coturn's
 * `use-auth-secret`): username `expiry:sub`, credential base64(HMAC-SHA1(secret, username)). The TURN server
 * verifies them with the same shared secret and no call back to us.
 */
export function turnCredentials(
  secret: string,
  sub: string,
  nowSeconds: number,
  ttlSeconds = TURN_CREDENTIAL_TTL_SECONDS,
): { username: string; credential: string; expiresAt: number } {
  const expiresAt = nowSeconds + ttlSeconds;
  // ':' separates expiry from user in the scheme; keep the identity from adding another one.
  const username = `${expiresAt}:${sub.replace(/:/g, '_')}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

export interface IceConfig {
  staticServers: IceServer[];
  turn?: { urls: string[]; secret: string };
}

export function iceServersFor(config: IceConfig, sub: string, nowSeconds: number): IceServer[] {
  if (!config.turn || config.turn.urls.length === 0) return config.staticServers;
  const { username, credential } = turnCredentials(config.turn.secret, sub, nowSeconds);
  return [...config.staticServers, { urls: config.turn.urls, username, credential }];
}
