import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { secrets } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';

/** The one signing algorithm for every token we issue; verifiers pin it so `alg` in a header can never choose. */
export const AUTH_ALG = 'ES256';

/** Key material as parsed and imported from the secret. */
export interface AuthKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

const ecJwk = z
  .object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(1), y: z.string().min(1) })
  .loose();

/** Shape of the Secrets Manager secret named by `AUTH_KEYS_SECRET_ARN`. */
export const authKeySecretSchema = z.object({
  kid: z.string().min(1).max(128),
  privateJwk: ecJwk.extend({ d: z.string().min(1) }),
  publicJwk: ecJwk.refine((jwk) => !('d' in jwk), 'publicJwk must not contain the private part "d"'),
});
export type AuthKeySecret = z.infer<typeof authKeySecretSchema>;

/** A fresh ES256 key pair serialised as the secret's JSON string (used once, by the keygen custom resource). */
export async function generateAuthKeySecret(): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(AUTH_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: AUTH_ALG, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: AUTH_ALG, use: 'sig' };
  const secret: AuthKeySecret = authKeySecretSchema.parse({ kid, privateJwk, publicJwk });
  return JSON.stringify(secret);
}

/** Parses and imports a secret string; throws with a reason (never the key material) when it is malformed. */
export async function importAuthKeySecret(secretString: string): Promise<AuthKeys> {
  let raw: unknown;
  try {
    raw = JSON.parse(secretString);
  } catch {
    throw new Error('auth key secret is not JSON');
  }
  const parsed = authKeySecretSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`auth key secret is malformed: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const { kid, privateJwk, publicJwk } = parsed.data;
  const privateKey = (await importJWK(privateJwk as JWK, AUTH_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk as JWK, AUTH_ALG)) as CryptoKey;
  return { kid, privateKey, publicKey, publicJwk: publicJwk as JWK };
}

// Re-reading the secret now and then lets a rotated key reach warm containers without a redeploy, while a
// container handling hundreds of connects a second still makes at most one Secrets Manager call per window.
const REFRESH_MS = 5 * 60 * 1000;
// A token with an unknown kid may ask for a re-read, but an attacker can mint such tokens at will: at most one
// forced read per interval keeps them from turning every request into a Secrets Manager call.
const FORCED_REFRESH_MIN_MS = 30 * 1000;
let cached: { at: number; keys: Promise<AuthKeys> } | undefined;

async function fetchAuthKeys(): Promise<AuthKeys> {
  const out = await secrets().send(new GetSecretValueCommand({ SecretId: requireEnv('AUTH_KEYS_SECRET_ARN') }));
  if (!out.SecretString) throw new Error('auth key secret has no SecretString (was the keygen resource deployed?)');
  return importAuthKeySecret(out.SecretString);
}

/** Current signing keys, cached per container; `force` skips the cache (a token carries a kid we do not know). */
export async function loadAuthKeys(options: { force?: boolean } = {}): Promise<AuthKeys> {
  const now = Date.now();
  const age = cached ? now - cached.at : Infinity;
  if (cached && age <= REFRESH_MS && !(options.force && age > FORCED_REFRESH_MIN_MS)) return cached.keys;
  const keys = fetchAuthKeys();
  cached = { at: now, keys };
  // A failed read must not stick for five minutes: the next call retries.
  keys.catch(() => {
    if (cached?.keys === keys) cached = undefined;
  });
  return keys;
}

/** Drops the cached keys (tests that swap secrets; never needed in handlers). */
export function resetAuthKeysCache(): void {
  cached = undefined;
}
