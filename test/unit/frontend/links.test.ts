import { apiUrl, resolveConfig, roomSocketUrl, runtimeConfigSchema } from '../../../frontend/src/config';
import { roomIdFromInput } from '../../../frontend/src/pages/room-link';

const config = resolveConfig(
  runtimeConfigSchema.parse({
    apiBase: '/api',
    wsUrl: 'wss://meet.example.com/peerjs',
    peer: { host: 'meet.example.com', port: 443, path: '/', secure: true, key: 'connect-now' },
  }),
  'https://meet.example.com/r/k3xd-9vqe-7rbn-m2ta',
);

describe('roomIdFromInput', () => {
  it('accepts a full link, a path and a bare code', () => {
    expect(roomIdFromInput('https://meet.example.com/r/k3xd-9vqe-7rbn-m2ta')).toBe('k3xd-9vqe-7rbn-m2ta');
    expect(roomIdFromInput('/r/K3XD-9VQE-7RBN-M2TA')).toBe('k3xd-9vqe-7rbn-m2ta');
    expect(roomIdFromInput('  k3xd-9vqe-7rbn-m2ta ')).toBe('k3xd-9vqe-7rbn-m2ta');
  });

  it('refuses anything that is not a room code (no open redirect through the join box)', () => {
    expect(roomIdFromInput('https://evil.example/')).toBeNull();
    expect(roomIdFromInput('k3xd-9vqe')).toBeNull();
    expect(roomIdFromInput('//evil.example/r/k3xd-9vqe-7rbn-m2t')).toBeNull();
    // "i", "l", "o" and "u" are not in the room alphabet.
    expect(roomIdFromInput('ilou-9vqe-7rbn-m2ta')).toBeNull();
  });
});

describe('URLs from /config.json', () => {
  it('opens the room socket on the PeerJS stage path, with no ticket in the URL', () => {
    expect(roomSocketUrl(config)).toBe('wss://meet.example.com/peerjs');
    expect(roomSocketUrl({ ...config, wsUrl: 'ws://127.0.0.1:9000' })).toBe('ws://127.0.0.1:9000/peerjs');
  });

  it('resolves API paths against the page origin or an absolute apiBase', () => {
    expect(apiUrl(config, '/api/rooms', 'https://meet.example.com')).toBe('https://meet.example.com/api/rooms');
    expect(apiUrl({ ...config, apiBase: 'https://api.example.com/api' }, '/api/ice', 'https://x.example')).toBe(
      'https://api.example.com/api/ice',
    );
  });

  it('rejects a config whose wsUrl is not a WebSocket URL', () => {
    expect(runtimeConfigSchema.safeParse({ ...config, wsUrl: 'https://x' }).success).toBe(false);
  });
});

describe('the socket address follows the page (config.json wsUrl as a path)', () => {
  const local = runtimeConfigSchema.parse({ apiBase: '/api', wsUrl: '/peerjs', peer: { path: '/', key: 'peerjs' } });

  it.each([
    ['http://localhost:8080/r/k3xd-9vqe-7rbn-m2ta', 'ws://localhost:8080/peerjs', 'localhost', 8080, false],
    ['http://127.0.0.1:8080/', 'ws://127.0.0.1:8080/peerjs', '127.0.0.1', 8080, false],
    ['http://[::1]:8080/', 'ws://[::1]:8080/peerjs', '[::1]', 8080, false],
    ['https://meet.example.com/r/x', 'wss://meet.example.com/peerjs', 'meet.example.com', 443, true],
  ])('on %s the sockets go to %s (the origin CSP self allows)', (page, wsUrl, host, port, secure) => {
    const resolved = resolveConfig(local, page);
    expect(resolved.wsUrl).toBe(wsUrl);
    expect(resolved.peer).toMatchObject({ host, port, secure, path: '/', key: 'peerjs' });
    expect(new URL(resolved.wsUrl).host).toBe(new URL(page).host);
    expect(roomSocketUrl(resolved)).toBe(wsUrl);
  });

  it('keeps a configured wss URL and PeerJS endpoint as written (the AWS path)', () => {
    expect(resolveConfig(runtimeConfigSchema.parse(config), 'http://127.0.0.1:8080/')).toMatchObject({
      wsUrl: 'wss://meet.example.com/peerjs',
      peer: { host: 'meet.example.com', port: 443, secure: true },
    });
  });

  it('refuses a protocol-relative wsUrl (another host in disguise)', () => {
    expect(runtimeConfigSchema.safeParse({ ...local, wsUrl: '//evil.example/peerjs' }).success).toBe(false);
  });
});
