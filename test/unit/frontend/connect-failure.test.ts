import { connectFailureMessage } from '../../../frontend/src/net/connect-failure';
import { ConnectionState } from '../../../frontend/src/net/connection-state';
import { RoomSocket } from '../../../frontend/src/net/room-socket';

/** A server that refuses the socket: error and close, never open (what a browser reports for 403, CSP or no listener). */
class RefusedWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static opened: string[] = [];
  readyState = RefusedWebSocket.CONNECTING;
  onclose: ((event: Event) => void) | null = null;
  constructor(readonly url: string) {
    super();
    RefusedWebSocket.opened.push(url);
    queueMicrotask(() => {
      if (this.readyState === RefusedWebSocket.CLOSED) return;
      this.readyState = RefusedWebSocket.CLOSED;
      this.dispatchEvent(new Event('error'));
      const close = new Event('close');
      this.dispatchEvent(close);
      this.onclose?.(close);
    });
  }
  send(): void {}
  close(): void {}
}

/** What Chromium does with a socket its CSP forbids: CLOSED before the constructor returns, and no event ever. */
class SilentlyBlockedWebSocket extends RefusedWebSocket {
  constructor(url: string) {
    super(url);
    this.readyState = RefusedWebSocket.CLOSED;
  }
  override dispatchEvent(): boolean {
    return false;
  }
}

describe('a socket that cannot connect says why', () => {
  it('names the address mix-up when the server is configured under another host than the page', () => {
    expect(connectFailureMessage('ws://localhost:8080/peerjs', 'http://127.0.0.1:8080/r/x', true)).toBe(
      'Could not connect to the meeting server at ws://localhost:8080: this page is open at 127.0.0.1:8080 and ' +
        'its security policy blocks that address. Open the app at http://localhost:8080 instead.',
    );
  });

  it('says the security policy blocked it, or that it was refused, when the host is the page’s own', () => {
    expect(connectFailureMessage('wss://meet.example.com/peerjs', 'https://meet.example.com/r/x', true)).toBe(
      "This page's security policy blocked the connection to the meeting server at wss://meet.example.com.",
    );
    expect(connectFailureMessage('wss://meet.example.com/peerjs', 'https://meet.example.com/r/x', false)).toMatch(
      /^Could not connect to the meeting server at wss:\/\/meet\.example\.com: the connection was refused/,
    );
  });

  describe('the room socket', () => {
    const g = globalThis as unknown as { WebSocket?: unknown; location?: { href: string } };
    const saved = { WebSocket: g.WebSocket, location: g.location };
    beforeEach(() => {
      RefusedWebSocket.opened = [];
      g.WebSocket = RefusedWebSocket;
      g.location = { href: 'http://127.0.0.1:8080/r/k3xd-9vqe-7rbn-m2ta' };
    });
    afterEach(() => {
      g.WebSocket = saved.WebSocket;
      g.location = saved.location;
    });

    it('closes as rejected with the reason on its first failed open, instead of retrying in silence', async () => {
      const socket = new RoomSocket('ws://localhost:8080/peerjs', 'h.p.s', async () => 'h.p.s');
      const closed = new Promise((resolve) => socket.on('closed', resolve));
      socket.connect();
      expect(await closed).toBe('rejected');
      expect(socket.state).toBe(ConnectionState.Closed);
      expect(socket.failure).toMatch(
        /this page is open at 127\.0\.0\.1:8080\. Open the app at http:\/\/localhost:8080/,
      );
      expect(RefusedWebSocket.opened).toHaveLength(1);
    });

    it('notices a socket the security policy refused without any event, and says so', async () => {
      (globalThis as unknown as { WebSocket: unknown }).WebSocket = SilentlyBlockedWebSocket;
      const socket = new RoomSocket('ws://127.0.0.1:8080/peerjs', 'h.p.s', async () => 'h.p.s');
      const closed = new Promise((resolve) => socket.on('closed', resolve));
      socket.connect();
      expect(await closed).toBe('rejected');
      expect(socket.failure).toBe(
        "This page's security policy blocked the connection to the meeting server at ws://127.0.0.1:8080.",
      );
    });
  });
});
