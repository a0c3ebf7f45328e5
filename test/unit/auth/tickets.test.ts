import { createTokenService, type TokenService } from '../../../functions/auth/tickets';
import type { AuthKeys } from '../../../functions/auth/keys';
import {
  freshKeys,
  hs256WithPublicKey,
  ISSUER,
  nowSeconds,
  otherPrivateKey,
  signWith,
  ticketClaims,
  unsignedToken,
} from './forge';

const user = { sub: 'user-1', name: 'Ann', kind: 'guest' as const };

describe('access tokens and room tickets', () => {
  let keys: AuthKeys;
  let service: TokenService;

  beforeAll(async () => {
    ({ keys } = await freshKeys());
    service = createTokenService({ keys: async () => keys, issuer: () => ISSUER });
  });

  const accessPayload = (over: Record<string, unknown> = {}) => ({
    ...user,
    iss: ISSUER,
    aud: 'connect-now',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...over,
  });
  const ticketPayload = (over: Record<string, unknown> = {}) => ({
    ...ticketClaims,
    iss: ISSUER,
    aud: 'connect-now:ws',
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...over,
  });

  it('round-trips an access token with exactly the user claims', async () => {
    const token = await service.issueAccessToken({ ...user, picture: 'https://lh3.googleusercontent.com/a/x' });
    await expect(service.verifyAccessToken(token)).resolves.toEqual({
      ...user,
      picture: 'https://lh3.googleusercontent.com/a/x',
    });
  });

  it('round-trips a room ticket with exactly the ticket claims', async () => {
    const token = await service.issueRoomTicket(ticketClaims);
    await expect(service.verifyRoomTicket(token)).resolves.toEqual(ticketClaims);
    const { account: _account, ...withoutAccount } = ticketClaims;
    // A ticket issued before the account claim existed: its holder shows as a guest, never as an account holder.
    const older = await service.verifyRoomTicket(await service.issueRoomTicket(withoutAccount));
    expect(older.account).toBe('guest');
  });

  it('issues access tokens for 15 minutes and tickets for 5', async () => {
    const decode = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as JWTLike;
    type JWTLike = { iat: number; exp: number };
    const access = decode(await service.issueAccessToken(user));
    const ticket = decode(await service.issueRoomTicket(ticketClaims));
    expect(access.exp - access.iat).toBe(900);
    expect(ticket.exp - ticket.iat).toBe(300);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-jwt'],
    ['oversized', 'a'.repeat(5000)],
  ])('refuses a %s token', async (_label, token) => {
    await expect(service.verifyAccessToken(token)).rejects.toMatchObject({ status: 401, code: 'invalid-token' });
    await expect(service.verifyRoomTicket(token)).rejects.toMatchObject({ status: 401, code: 'invalid-token' });
  });

  it('refuses a token signed by another key, even under our kid', async () => {
    const forged = await signWith(await otherPrivateKey(), { kid: keys.kid, typ: 'room-ticket+jwt' }, ticketPayload());
    await expect(service.verifyRoomTicket(forged)).rejects.toMatchObject({ status: 401, code: 'invalid-token' });
  });

  it('refuses alg:none', async () => {
    await expect(service.verifyRoomTicket(unsignedToken(ticketPayload(), 'room-ticket+jwt'))).rejects.toMatchObject({
      status: 401,
    });
    await expect(service.verifyAccessToken(unsignedToken(accessPayload(), 'at+jwt'))).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses HS256 keyed with the public key (algorithm confusion)', async () => {
    for (const token of await hs256WithPublicKey(keys, ticketPayload(), 'room-ticket+jwt')) {
      await expect(service.verifyRoomTicket(token)).rejects.toMatchObject({ status: 401, code: 'invalid-token' });
    }
  });

  it('refuses an expired ticket with the code clients refresh on', async () => {
    const expired = await signWith(
      keys.privateKey,
      { kid: keys.kid, typ: 'room-ticket+jwt' },
      ticketPayload({ iat: nowSeconds() - 400, exp: nowSeconds() - 60 }),
    );
    await expect(service.verifyRoomTicket(expired)).rejects.toMatchObject({ status: 401, code: 'token-expired' });
  });

  it('refuses an access token used as a room ticket, and a ticket used as an access token', async () => {
    const access = await service.issueAccessToken(user);
    const ticket = await service.issueRoomTicket(ticketClaims);
    await expect(service.verifyRoomTicket(access)).rejects.toMatchObject({ status: 401 });
    await expect(service.verifyAccessToken(ticket)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses the right type with the wrong audience, and the right audience with the wrong type', async () => {
    const wrongAud = await signWith(
      keys.privateKey,
      { kid: keys.kid, typ: 'room-ticket+jwt' },
      ticketPayload({ aud: 'connect-now' }),
    );
    const wrongTyp = await signWith(keys.privateKey, { kid: keys.kid, typ: 'at+jwt' }, ticketPayload());
    const noTyp = await signWith(keys.privateKey, { kid: keys.kid }, ticketPayload());
    for (const token of [wrongAud, wrongTyp, noTyp]) {
      await expect(service.verifyRoomTicket(token)).rejects.toMatchObject({ status: 401 });
    }
  });

  it('refuses another issuer', async () => {
    const token = await signWith(
      keys.privateKey,
      { kid: keys.kid, typ: 'room-ticket+jwt' },
      ticketPayload({ iss: 'https://evil.example' }),
    );
    await expect(service.verifyRoomTicket(token)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a ticket whose payload was edited after signing (member -> host)', async () => {
    const [h, p, s] = (await service.issueRoomTicket(ticketClaims)).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const edited = Buffer.from(JSON.stringify({ ...claims, role: 'host' })).toString('base64url');
    await expect(service.verifyRoomTicket(`${h}.${edited}.${s}`)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a correctly signed ticket that lacks a claim or carries an unknown role', async () => {
    const { role: _role, ...noRole } = ticketPayload();
    for (const payload of [noRole, ticketPayload({ role: 'admin' }), ticketPayload({ exp: undefined })]) {
      const token = await signWith(keys.privateKey, { kid: keys.kid, typ: 'room-ticket+jwt' }, payload);
      await expect(service.verifyRoomTicket(token)).rejects.toMatchObject({ status: 401 });
    }
  });

  it('refuses to issue a ticket with an unknown role', async () => {
    await expect(service.issueRoomTicket({ ...ticketClaims, role: 'admin' as never })).rejects.toThrow();
  });

  it('refuses a token without a kid and one with an unknown kid, re-reading keys at most once', async () => {
    let forced = 0;
    const counting = createTokenService({
      keys: async (options) => {
        if (options?.force) forced++;
        return keys;
      },
      issuer: () => ISSUER,
    });
    const noKid = await signWith(keys.privateKey, { typ: 'room-ticket+jwt' }, ticketPayload());
    const unknownKid = await signWith(
      keys.privateKey,
      { kid: 'someone-else', typ: 'room-ticket+jwt' },
      ticketPayload(),
    );
    await expect(counting.verifyRoomTicket(noKid)).rejects.toMatchObject({ status: 401 });
    expect(forced).toBe(0);
    await expect(counting.verifyRoomTicket(unknownKid)).rejects.toMatchObject({ status: 401 });
    expect(forced).toBe(1);
  });

  it('accepts tokens signed with a rotated key once the secret holds it', async () => {
    const { keys: rotated } = await freshKeys();
    let current = keys;
    const rotating = createTokenService({
      keys: async (options) => (options?.force ? (current = rotated) : current),
      issuer: () => ISSUER,
    });
    const issuedElsewhere = createTokenService({ keys: async () => rotated, issuer: () => ISSUER });
    const token = await issuedElsewhere.issueRoomTicket(ticketClaims);
    await expect(rotating.verifyRoomTicket(token)).resolves.toEqual(ticketClaims);
  });
});
