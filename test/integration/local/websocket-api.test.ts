import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { CREDENTIAL_PROTOCOL_PREFIX, SOCKET_PROTOCOL } from '../../../functions/shared/protocol/socket-credential';
import { callsOf, recorder, waitFor } from './support/recorder';
import { CONNECTED } from './support/stand-in-handler';
import { startTestCloud, type TestCloud } from './support/test-cloud';
import { openSocket, refusedStatus } from './support/ws-client';

/*
 * The API Gateway WebSocket emulation, driven by a real ws client and the unchanged management API client,
 * with a recording stand-in behind every route.
 */
let cloud: TestCloud;
let wsUrl: string;
let management: ApiGatewayManagementApiClient;

beforeAll(async () => {
  cloud = await startTestCloud({ websocket: { idleTimeoutMs: 3000, maxConnectionMs: 60_000 } });
  wsUrl = `${cloud.url.replace('http', 'ws')}/peerjs`;
  management = new ApiGatewayManagementApiClient({
    endpoint: cloud.env.WS_CALLBACK_URL,
    region: 'us-east-1',
    credentials: {
      accessKeyId: cloud.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY!,
    },
  });
}, 120_000);

afterAll(async () => {
  management.destroy();
  await cloud.dispose();
});

/** $disconnect of one connection (an earlier test's socket may still be closing). */
function disconnectsOf(connectionId: string) {
  return callsOf('WsDisconnect').filter((c) => c.event.requestContext.connectionId === connectionId);
}

beforeEach(() => {
  recorder().calls.length = 0;
  recorder().behaviors = {};
});

describe('$connect', () => {
  it('runs the REQUEST authorizer, then WsConnect with the authorizer context, with API Gateway event shapes', async () => {
    const socket = await openSocket(`${wsUrl}?key=peerjs&id=p1`, 'alice', cloud.url);
    const [auth] = callsOf('WsAuthorizer');
    expect(auth!.event).toMatchObject({
      type: 'REQUEST',
      methodArn: expect.stringMatching(/^arn:aws:execute-api:us-east-1:\d{12}:[^/]+\/peerjs\/\$connect$/),
      queryStringParameters: { key: 'peerjs', id: 'p1' },
      headers: expect.objectContaining({
        Origin: cloud.url,
        'Sec-WebSocket-Protocol': `${SOCKET_PROTOCOL},${CREDENTIAL_PROTOCOL_PREFIX}alice`,
      }),
      requestContext: expect.objectContaining({
        routeKey: '$connect',
        eventType: 'CONNECT',
        stage: 'peerjs',
        domainName: new URL(cloud.url).host,
        identity: expect.objectContaining({ sourceIp: '127.0.0.1' }),
      }),
    });
    const [connect] = callsOf('WsConnect');
    const connectionId = connect!.event.requestContext.connectionId as string;
    expect(connectionId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(connectionId).toBe(auth!.event.requestContext.connectionId);
    expect(connect!.event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      authorizer: { sub: 'user-alice', roomId: 'room-1', kind: 'room', principalId: 'user-alice' },
    });
    expect(connect!.context.functionName).toBe('WsConnect');
    expect(connect!.context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    socket.ws.close();
  });

  it('answers 401 without calling the authorizer when Sec-WebSocket-Protocol (identity source) is missing, 414 over 4096 URL chars', async () => {
    expect(await refusedStatus(`${wsUrl}?key=peerjs`, undefined)).toBe(401);
    expect(await refusedStatus(`${wsUrl}?key=peerjs&token=alice`, undefined)).toBe(401);
    expect(await refusedStatus(`${wsUrl}?pad=${'t'.repeat(4100)}`, 'alice')).toBe(414);
    expect(callsOf('WsAuthorizer')).toHaveLength(0);
    expect(callsOf('WsConnect')).toHaveLength(0);
  });

  it('answers 403 on a Deny policy and 401 when the authorizer fails with Unauthorized, never reaching WsConnect', async () => {
    recorder().behaviors.WsAuthorizer = (event) => ({
      principalId: 'mallory',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }],
      },
    });
    expect(await refusedStatus(wsUrl, 'bad')).toBe(403);
    recorder().behaviors.WsAuthorizer = () => {
      throw new Error('Unauthorized');
    };
    expect(await refusedStatus(wsUrl, 'expired')).toBe(401);
    expect(callsOf('WsConnect')).toHaveLength(0);
  });

  it('completes the handshake with the subprotocol $connect echoed, and fails it when $connect echoes none', async () => {
    const socket = await openSocket(wsUrl, 'jill');
    expect(socket.ws.protocol).toBe(SOCKET_PROTOCOL);
    socket.ws.close();
    // As against API Gateway: the client offered subprotocols, so a 200 without the echo fails the handshake.
    recorder().behaviors.WsConnect = () => ({ statusCode: 200 });
    await expect(openSocket(wsUrl, 'jill')).rejects.toThrow(/subprotocol/);
  });

  it('refuses the upgrade with the status WsConnect returns, and with 500 when it throws', async () => {
    // The failure is told to the person running the cloud (and kept out of a green run's output).
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    recorder().behaviors.WsConnect = () => ({ statusCode: 429 });
    expect(await refusedStatus(wsUrl, 'bob')).toBe(429);
    recorder().behaviors.WsConnect = () => {
      throw new Error('boom');
    };
    expect(await refusedStatus(wsUrl, 'bob')).toBe(500);
    const refused = callsOf('WsConnect').map((c) => c.event.requestContext.connectionId as string);
    expect(refused).toHaveLength(2);
    for (const id of refused) expect(disconnectsOf(id)).toHaveLength(0);
    expect(errors.mock.calls.flat().join('\n')).toMatch(/WsConnect failed: Error: boom/);
    errors.mockRestore();
  });

  it('answers 410 Gone to @connections posts made during $connect, and delivers them once connected', async () => {
    const outcomes: string[] = [];
    recorder().behaviors.WsConnect = async (event) => {
      try {
        await management.send(
          new PostToConnectionCommand({
            ConnectionId: event.requestContext.connectionId,
            Data: Buffer.from('{"type":"OPEN"}'),
          }),
        );
        outcomes.push('sent');
      } catch (error) {
        outcomes.push(error instanceof GoneException ? 'gone' : String(error));
      }
      return CONNECTED;
    };
    const socket = await openSocket(wsUrl, 'carol');
    expect(outcomes).toEqual(['gone']);
    const connectionId = callsOf('WsConnect')[0]!.event.requestContext.connectionId;
    await management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"type":"OPEN"}') }),
    );
    await waitFor(() => socket.messages.length > 0, 5000, 'OPEN');
    expect(socket.messages).toEqual(['{"type":"OPEN"}']);
    socket.ws.close();
  });
});

describe('routes', () => {
  it('selects routes by $request.body.type: PeerJS types to SignalRelay, others and non-JSON to $default, HEARTBEAT to nothing', async () => {
    const socket = await openSocket(wsUrl, 'dave');
    socket.ws.send(JSON.stringify({ type: 'OFFER', dst: 'p2', payload: { sdp: 'x' } }));
    socket.ws.send(JSON.stringify({ type: 'HEARTBEAT' }));
    socket.ws.send(JSON.stringify({ type: 'chat.send', text: 'hi' }));
    socket.ws.send('not json at all');
    await waitFor(() => callsOf('RoomSocket').length === 2 && callsOf('SignalRelay').length === 1, 5000, 'routes');
    const relay = callsOf('SignalRelay')[0]!.event;
    expect(relay.requestContext).toMatchObject({
      routeKey: 'OFFER',
      eventType: 'MESSAGE',
      messageDirection: 'IN',
      stage: 'peerjs',
      authorizer: { sub: 'user-dave', principalId: 'user-dave' },
    });
    expect(JSON.parse(relay.body)).toEqual({ type: 'OFFER', dst: 'p2', payload: { sdp: 'x' } });
    const bodies = callsOf('RoomSocket').map((c) => [c.event.requestContext.routeKey, c.event.body]);
    expect(bodies).toEqual(
      expect.arrayContaining([
        ['$default', JSON.stringify({ type: 'chat.send', text: 'hi' })],
        ['$default', 'not json at all'],
      ]),
    );
    // HEARTBEAT is a mock integration: no function sees it.
    expect(recorder().calls.filter((c) => c.event.body?.includes('HEARTBEAT'))).toHaveLength(0);
    socket.ws.close();
  });

  it('sends API Gateway\'s "Internal server error" message to the client when the route\'s function fails', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    recorder().behaviors.RoomSocket = () => {
      throw new Error('handler bug');
    };
    const socket = await openSocket(wsUrl, 'erin');
    socket.ws.send(JSON.stringify({ type: 'join' }));
    await waitFor(() => socket.messages.length > 0, 5000, 'error message');
    expect(JSON.parse(socket.messages[0]!)).toMatchObject({
      message: 'Internal server error',
      connectionId: expect.any(String),
    });
    expect(errors.mock.calls.flat().join('\n')).toMatch(/RoomSocket \(\$default\) failed: Error: handler bug/);
    errors.mockRestore();
    socket.ws.close();
  });

  it('runs $disconnect with the authorizer context when the client closes', async () => {
    const socket = await openSocket(wsUrl, 'frank');
    const connectionId = callsOf('WsConnect')[0]!.event.requestContext.connectionId;
    socket.ws.close(1000);
    const [disconnect] = await waitFor(
      () => disconnectsOf(connectionId).length > 0 && disconnectsOf(connectionId),
      5000,
      '$disconnect',
    );
    expect(disconnect!.event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      connectionId,
      disconnectStatusCode: 1000,
      authorizer: { sub: 'user-frank' },
    });
  });
});

describe('limits', () => {
  it('closes with 1009 on a frame over 32 KB and on a message over 128 KB, but accepts 96 KB in 32 KB frames', async () => {
    const big = await openSocket(wsUrl, 'gina');
    big.ws.send('x'.repeat(33 * 1024));
    expect((await big.closed).code).toBe(1009);

    const fragmented = await openSocket(wsUrl, 'gina');
    const chunk = 'y'.repeat(32 * 1024);
    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: true });
    await waitFor(() => callsOf('RoomSocket').some((c) => c.event.body.length === 96 * 1024), 5000, '96 KB message');

    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: false });
    fragmented.ws.send(chunk, { fin: true });
    expect((await fragmented.closed).code).toBe(1009);
    expect(callsOf('RoomSocket').filter((c) => c.event.body.length > 128 * 1024)).toHaveLength(0);
  });

  it('closes an idle connection with 1001 and runs $disconnect', async () => {
    const socket = await openSocket(wsUrl, 'hank');
    const connectionId = callsOf('WsConnect')[0]!.event.requestContext.connectionId;
    const closed = await socket.closed;
    expect(closed.code).toBe(1001);
    await waitFor(() => disconnectsOf(connectionId).length === 1, 5000, '$disconnect');
  });
});

describe('@connections with the unchanged SDK client', () => {
  it('describes, posts to and deletes a connection; gone connections answer GoneException', async () => {
    const socket = await openSocket(wsUrl, 'iris');
    const connectionId = callsOf('WsConnect')[0]!.event.requestContext.connectionId;

    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'local-cloud-test' });
    expect(info.ConnectedAt).toBeInstanceOf(Date);

    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(129 * 1024, 97) })),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);

    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await socket.closed;
    await waitFor(() => disconnectsOf(connectionId).length === 1, 5000, '$disconnect');
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{}') })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      management.send(new GetConnectionCommand({ ConnectionId: 'Tm90QUNvbm5lY3Rpb24=' })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('refuses unsigned management calls and calls signed with another key (a page cannot post into other sockets)', async () => {
    const res = await fetch(`${cloud.env.WS_CALLBACK_URL}/@connections/abc`, { method: 'POST', body: 'hi' });
    expect(res.status).toBe(403);
    const forged = await fetch(`${cloud.env.WS_CALLBACK_URL}/@connections/abc`, {
      method: 'POST',
      body: 'hi',
      headers: { authorization: 'AWS4-HMAC-SHA256 anything' },
    });
    expect(forged.status).toBe(403);
    const socket = await openSocket(wsUrl, 'kate');
    const connectionId = callsOf('WsConnect')[0]!.event.requestContext.connectionId;
    for (const credentials of [
      { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      { accessKeyId: 'AKIAOTHER', secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY! },
    ]) {
      const other = new ApiGatewayManagementApiClient({
        endpoint: cloud.env.WS_CALLBACK_URL,
        region: 'us-east-1',
        credentials,
      });
      await expect(
        other.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"type":"X"}') })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      other.destroy();
    }
    expect(socket.messages).toEqual([]);
    socket.ws.close();
  });
});
