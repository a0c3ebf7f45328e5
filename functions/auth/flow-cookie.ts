import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { Unauthorized } from '../shared/errors';
import { AUTH_ALG, type AuthKeys } from './keys';

/*
 * The sign-in attempt's state, nonce and PKCE verifier live in a short-lived cookie signed with our own key, so
 * the callback needs no server-side store and an attacker can neither plant nor edit one.
 */
export const FLOW_COOKIE = 'cn_oidc';
export const FLOW_TTL_SECONDS = 10 * 60;
const FLOW_AUDIENCE = 'connect-now:oidc-flow';
const FLOW_TYP = 'oidc-flow+jwt';

const flowSchema = z.object({
  state: z.string().min(43).max(128),
  nonce: z.string().min(43).max(128),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().startsWith('/').max(512),
});
export type FlowState = z.infer<typeof flowSchema>;

export async function signFlow(keys: AuthKeys, issuer: string, flow: FlowState): Promise<string> {
  return new SignJWT(flowSchema.parse(flow))
    .setProtectedHeader({ alg: AUTH_ALG, kid: keys.kid, typ: FLOW_TYP })
    .setIssuer(issuer)
    .setAudience(FLOW_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${FLOW_TTL_SECONDS}s`)
    .sign(keys.privateKey);
}

export async function verifyFlow(keys: AuthKeys, issuer: string, value: string | undefined): Promise<FlowState> {
  if (!value || value.length > 4096) {
    throw new Unauthorized('Google sign-in took too long or started elsewhere; try again', 'google-flow-missing');
  }
  try {
    const { payload } = await jwtVerify(value, keys.publicKey, {
      algorithms: [AUTH_ALG],
      issuer,
      audience: FLOW_AUDIENCE,
      typ: FLOW_TYP,
      requiredClaims: ['exp'],
    });
    return flowSchema.parse(payload);
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof z.ZodError) {
      throw new Unauthorized('Google sign-in took too long or started elsewhere; try again', 'google-flow-invalid');
    }
    throw error;
  }
}
