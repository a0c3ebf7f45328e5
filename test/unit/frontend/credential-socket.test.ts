import {
  openCredentialSocket,
  withCredentialSocket,
  withoutCredentialParameters,
} from '../../../frontend/src/net/credential-socket';

/** Records what a page's `new WebSocket(url, protocols)` would have sent. */
class RecordingWebSocket {
  static opened: Array<{ url: string; protocols: unknown }> = [];
  constructor(url: string, protocols?: unknown) {
    RecordingWebSocket.opened.push({ url, protocols });
  }
}

describe('credential sockets (browser side)', () => {
  const g = globalThis as { WebSocket?: new (url: string) => unknown };
  const before = g.WebSocket;
  beforeEach(() => {
    RecordingWebSocket.opened = [];
    g.WebSocket = RecordingWebSocket;
  });
  afterAll(() => {
    g.WebSocket = before;
  });

  it('opens the room socket with the ticket as a subprotocol, not in the URL', () => {
    openCredentialSocket('wss://meet.example.com/peerjs', 'h.p.s');
    expect(RecordingWebSocket.opened).toEqual([
      { url: 'wss://meet.example.com/peerjs', protocols: ['connect-now.v1', 'cn-credential.h.p.s'] },
    ]);
  });

  it('rewrites the socket PeerJS opens: its token dropped, the ticket offered, the global restored after', () => {
    // What peerjs@1.5.5's Socket.start does inside new Peer() and peer.reconnect().
    const peerjsStart = () =>
      new g.WebSocket!('wss://meet.example.com/peerjs?key=peerjs&id=p1&token=abc123&version=1.5.5');
    const made = withCredentialSocket('h.p.s', peerjsStart);
    expect(made).toBeInstanceOf(RecordingWebSocket);
    expect(RecordingWebSocket.opened).toEqual([
      {
        url: 'wss://meet.example.com/peerjs?key=peerjs&id=p1&version=1.5.5',
        protocols: ['connect-now.v1', 'cn-credential.h.p.s'],
      },
    ]);
    expect(g.WebSocket).toBe(RecordingWebSocket);
  });

  it('restores the global WebSocket even when the call throws', () => {
    expect(() =>
      withCredentialSocket('h.p.s', () => {
        throw new Error('peer destroyed');
      }),
    ).toThrow('peer destroyed');
    expect(g.WebSocket).toBe(RecordingWebSocket);
  });

  it('strips both old credential parameters from a URL', () => {
    expect(withoutCredentialParameters('ws://127.0.0.1:8080/peerjs?token=a&ticket=b&scope=user')).toBe(
      'ws://127.0.0.1:8080/peerjs?scope=user',
    );
  });
});
