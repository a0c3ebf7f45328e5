import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { guardServer, IDLE_KEEP_ALIVE_MS } from '../../../local/listener-guard';

/*
 * The AWS SDK's agents keep idle sockets and reuse them. Node's server default closed them after 5 s, so a request
 * sent as the server closed its socket died with ECONNRESET, and under load the SDK's retries ran out (RoomSocket
 * runs failed, and the page lost a whiteboard update). Every local listener goes through guardServer.
 */
jest.setTimeout(20_000);

it('keeps an idle keep-alive connection open well past Node’s 5 s, as AWS endpoints do', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  guardServer(server);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', agent, headers: { host: `127.0.0.1:${port}` } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    expect(IDLE_KEEP_ALIVE_MS).toBeGreaterThanOrEqual(60_000);
    expect(server.keepAliveTimeout).toBe(IDLE_KEEP_ALIVE_MS);
    expect(await get()).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await get()).toBe('ok');
    // The second request went over the first connection: the server had not closed it.
    expect(sockets.size).toBe(1);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});
