import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import { generateAuthKeySecret, importAuthKeySecret, type AuthKeys } from '../../../functions/auth/keys';

export const ISSUER = 'https://meet.example.com';

/** A fresh key set as loadAuthKeys would return it. */
export async function freshKeys(): Promise<{ secret: string; keys: AuthKeys }> {
  const secret = await generateAuthKeySecret();
  return { secret, keys: await importAuthKeySecret(secret) };
}

export const ticketClaims = {
  sub: 'user-1',
  name: 'Ann',
  roomId: 'room-abc',
  peerId: 'peer-1',
  role: 'member' as const,
  account: 'google' as const,
};

/** Signs arbitrary claims/headers with an ES256 key: for tokens our issuer would never produce. */
export async function signWith(
  privateKey: CryptoKey,
  header: { kid?: string; typ?: string },
  payload: JWTPayload,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);
}

/** `alg: none`: the signature is empty; a verifier that trusts the header accepts anything. */
export function unsignedToken(payload: JWTPayload, typ: string): string {
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${enc({ alg: 'none', typ })}.${enc(payload)}.`;
}

/**
 * The algorithm-confusion attack: HS256 keyed with the *public* key, which the attacker knows. A verifier that
 * lets the header pick the algorithm and feeds it the public key material as an HMAC secret accepts this.
 */
export async function hs256WithPublicKey(keys: AuthKeys, payload: JWTPayload, typ: string): Promise<string[]> {
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  const header = enc({ alg: 'HS256', kid: keys.kid, typ });
  const body = enc(payload);
  const secrets = [JSON.stringify(keys.publicJwk), JSON.stringify(await exportJWK(keys.publicKey))];
  return secrets.map((secret) => {
    const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest();
    return `${header}.${body}.${base64url.encode(sig)}`;
  });
}

export async function otherPrivateKey(): Promise<CryptoKey> {
  return (await generateKeyPair('ES256')).privateKey;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
