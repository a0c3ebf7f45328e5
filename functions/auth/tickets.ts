import { errors as joseErrors, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import * as z from 'zod';
import { requireEnv } from '../shared/env';
import { Unauthorized } from '../shared/errors';
import { AUTH_ALG, loadAuthKeys, type AuthKeys } from './keys';

export const ACCESS_AUDIENCE = 'connect-now';
export const TICKET_AUDIENCE = 'connect-now:ws';
export const ACCESS_TTL_SECONDS = 15 * 60;
export const TICKET_TTL_SECONDS = 5 * 60;
// Lambda clocks are NTP-synced; a few seconds absorbs skew between the issuing and the verifying container
// without stretching a 5 minute ticket noticeably.
const CLOCK_TOLERANCE_SECONDS = 5;
// A distinct `typ` per token kind is a second lock besides the audience: neither kind can stand in for the other.
const ACCESS_TYP = 'at+jwt';
const TICKET_TYP = 'room-ticket+jwt';

const subject = z.string().min(1).max(200);
const displayName = z.string().min(1).max(100);

export const accountKindSchema = z.enum(['guest', 'google', 'email']);
export type AccountKind = z.infer<typeof accountKindSchema>;
/** Signed in with an account (any provider), as opposed to a guest who only typed a name. */
export const isAccountHolder = (kind: AccountKind): boolean => kind !== 'guest';

export const accessClaimsSchema = z.object({
  sub: subject,
  name: displayName,
  kind: accountKindSchema,
  picture: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export const roomRoleSchema = z.enum(['host', 'cohost', 'member', 'lobby']);
export type RoomRole = z.infer<typeof roomRoleSchema>;

export const roomTicketClaimsSchema = z.object({
  sub: subject,
  name: displayName,
  roomId: z.string().min(1).max(128),
  peerId: z.string().min(1).max(128),
  role: roomRoleSchema,
  /**
   * The holder's account kind (the access token's `kind`), so the roster can mark who is signed in with an account
   * and who is a guest: two people may choose the same name, only one of them can be the account holder. Tickets
   * issued before this claim existed read as guest (the cautious reading).
   */
  account: accountKindSchema.default('guest'),
});
export type RoomTicketClaims = z.infer<typeof roomTicketClaimsSchema>;
/** What may be signed: the account kind may be left out (a guest). */
export type RoomTicketInput = z.input<typeof roomTicketClaimsSchema>;

/** Where keys and the issuer come from; the module-level functions below use Secrets Manager and PUBLIC_URL. */
export interface TokenServiceDeps {
  keys(options?: { force?: boolean }): Promise<AuthKeys>;
  issuer(): string;
}

export interface TokenService {
  issueAccessToken(user: AccessClaims): Promise<string>;
  verifyAccessToken(token: string): Promise<AccessClaims>;
  issueRoomTicket(claims: RoomTicketInput): Promise<string>;
  verifyRoomTicket(token: string): Promise<RoomTicketClaims>;
}

// Far above any token we issue (≈ 600 bytes); refusing early keeps hostile megabyte strings away from base64/JSON.
const MAX_TOKEN_LENGTH = 4096;

export function createTokenService(deps: TokenServiceDeps): TokenService {
  async function sign(
    claims: Record<string, unknown>,
    audience: string,
    typ: string,
    ttlSeconds: number,
  ): Promise<string> {
    const { kid, privateKey } = await deps.keys();
    const { sub, ...rest } = claims;
    return new SignJWT(rest as JWTPayload)
      .setProtectedHeader({ alg: AUTH_ALG, kid, typ })
      .setSubject(String(sub))
      .setIssuer(deps.issuer())
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(privateKey);
  }

  async function verify<T>(token: string, audience: string, typ: string, schema: z.ZodType<T>): Promise<T> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new Unauthorized('Missing or oversized token', 'invalid-token');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header: JWTHeaderParameters) => {
          const keys = await deps.keys();
          if (header.kid === keys.kid) return keys.publicKey;
          if (typeof header.kid !== 'string') throw new joseErrors.JWKSNoMatchingKey();
          // Unknown kid: maybe the key was rotated after this container cached it.
          const fresh = await deps.keys({ force: true });
          if (header.kid !== fresh.kid) throw new joseErrors.JWKSNoMatchingKey();
          return fresh.publicKey;
        },
        {
          algorithms: [AUTH_ALG],
          issuer: deps.issuer(),
          audience,
          typ,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'iat', 'sub'],
        },
      ));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) {
        // Clients refresh on 'token-expired'; every other failure looks the same so probing learns nothing.
        if (err instanceof joseErrors.JWTExpired) throw new Unauthorized('Token has expired', 'token-expired');
        throw new Unauthorized('Invalid token', 'invalid-token');
      }
      throw err;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new Unauthorized('Invalid token', 'invalid-token');
    return parsed.data;
  }

  return {
    issueAccessToken: async (user) =>
      sign(accessClaimsSchema.parse(user), ACCESS_AUDIENCE, ACCESS_TYP, ACCESS_TTL_SECONDS),
    verifyAccessToken: (token) => verify(token, ACCESS_AUDIENCE, ACCESS_TYP, accessClaimsSchema),
    issueRoomTicket: async (claims) =>
      sign(roomTicketClaimsSchema.parse(claims), TICKET_AUDIENCE, TICKET_TYP, TICKET_TTL_SECONDS),
    verifyRoomTicket: (token) => verify(token, TICKET_AUDIENCE, TICKET_TYP, roomTicketClaimsSchema),
  };
}

const defaultService = createTokenService({
  keys: loadAuthKeys,
  issuer: () => requireEnv('PUBLIC_URL'),
});

/** 15 minute ES256 access token (`aud = connect-now`) for `Authorization: Bearer`. */
export const issueAccessToken = (user: AccessClaims): Promise<string> => defaultService.issueAccessToken(user);
/** Verifies signature (ES256 only), issuer, audience, type and expiry; throws Unauthorized. */
export const verifyAccessToken = (token: string): Promise<AccessClaims> => defaultService.verifyAccessToken(token);
/** 5 minute ES256 room ticket (`aud = connect-now:ws`) that both sockets present as a subprotocol (never in the URL). */
export const issueRoomTicket = (claims: RoomTicketInput): Promise<string> => defaultService.issueRoomTicket(claims);
/** Verifies a room ticket exactly like an access token but for the socket audience; throws Unauthorized. */
export const verifyRoomTicket = (token: string): Promise<RoomTicketClaims> => defaultService.verifyRoomTicket(token);
