import { ticketSecondsLeft } from '../../../frontend/src/net/ticket';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64url({ alg: 'ES256' })}.${b64url(claims)}.sig`;

describe('ticketSecondsLeft', () => {
  it('reads the seconds left before exp', () => {
    expect(ticketSecondsLeft(jwt({ exp: 1_000_300 }), 1_000_000_000)).toBe(300);
  });

  it('is 0 for an expired ticket', () => {
    expect(ticketSecondsLeft(jwt({ exp: 10 }), 1_000_000_000)).toBe(0);
  });

  it('is 0 for anything that is not a readable JWT (so the page fetches a new one)', () => {
    expect(ticketSecondsLeft('not-a-jwt')).toBe(0);
    expect(ticketSecondsLeft('a.%%%.c')).toBe(0);
    expect(ticketSecondsLeft(jwt({ exp: 'soon' }))).toBe(0);
  });
});
