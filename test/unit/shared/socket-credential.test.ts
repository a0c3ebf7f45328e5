import {
  credentialFromProtocols,
  SOCKET_PROTOCOL,
  socketProtocols,
} from '../../../functions/shared/protocol/socket-credential';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJlLV8tYnl0ZXM';

describe('socket credential subprotocols', () => {
  it('offers the protocol and the credential, and reads the credential back from the header a browser sends', () => {
    expect(socketProtocols(JWT)).toEqual([SOCKET_PROTOCOL, `cn-credential.${JWT}`]);
    expect(credentialFromProtocols(socketProtocols(JWT).join(', '))).toBe(JWT);
    expect(credentialFromProtocols(socketProtocols(JWT).join(','))).toBe(JWT);
  });

  it.each([
    ['no header', undefined],
    ['no protocol name', `cn-credential.${JWT}`],
    ['no credential', SOCKET_PROTOCOL],
    ['two credentials', `${SOCKET_PROTOCOL}, cn-credential.${JWT}, cn-credential.x.y.z`],
    ['an empty credential', `${SOCKET_PROTOCOL}, cn-credential.`],
    ['a credential with a slash', `${SOCKET_PROTOCOL}, cn-credential.a/b`],
  ])('reads no credential from %s', (_label, header) => {
    expect(credentialFromProtocols(header)).toBeUndefined();
  });

  it('refuses to offer a credential that is not a subprotocol token', () => {
    for (const bad of ['', 'a b', 'a,b', 'a"b', 'a=b']) expect(() => socketProtocols(bad)).toThrow(/JWT/);
  });
});
