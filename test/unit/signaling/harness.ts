import './env';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ConnectionRecord } from '../../../functions/signaling/connection-registry';
import { createConnectHandler, defaultConnectDeps } from '../../../functions/signaling/connect';
import { createDisconnectHandler } from '../../../functions/signaling/disconnect';
import { createOpenerHandler } from '../../../functions/signaling/opener';
import { wsNotifier } from '../../../functions/signaling/ports';
import { createRelayHandler } from '../../../functions/signaling/relay';
import { limits, rateLimit } from '../../../functions/shared/rate-limit';
import type { WsEvent } from '../../../functions/signaling/ws-event';
import { RedisMembership } from '../../../functions/shared/membership';
import { markJoined } from '../../support/member-ticket';
import { InMemoryRegistry } from './in-memory-registry';

export interface Who {
  peerId: string;
  sub?: string;
  roomId?: string;
  role?: ConnectionRecord['role'];
  kind?: ConnectionRecord['kind'];
  name?: string;
  /** false: the ticket's membership has ended (left, removed, replaced) or never existed. Default: a joined member. */
  admit?: boolean;
}

/**
 * API Gateway as the handlers see it: the real handler modules and the real @connections/Lambda SDK clients,
 * with aws-sdk-client-mock answering for the management API (410 for sockets that are not live) and Lambda.
 * Connection ids are unique per harness so rate-limit counters (shared in-process Redis emulation) never mix.
 */
export interface HarnessOptions {
  /**
   * Default subs of their own (`user-alice-<harness>` instead of `user-alice`): the per-identity $connect limit
   * (20 a minute) counts in the shared in-process Redis, and a file whose every test opens the same people passes
   * it. Off by default, for the files that name the default subs in their assertions.
   */
  ownSubs?: boolean;
}

export function createHarness(options: HarnessOptions = {}) {
  const registry = new InMemoryRegistry();
  const live = new Set<string>();
  const inboxes = new Map<string, unknown[]>();
  const closed: string[] = [];
  const invocations: unknown[] = [];
  const prefix = Math.random().toString(36).slice(2, 8);
  const id = (name: string) => `${prefix}-${name}`;
  const defaultSub = (who: Who) => who.sub ?? (options.ownSubs ? `user-${who.peerId}-${prefix}` : `user-${who.peerId}`);
  /** Posts refused with 410 before a socket's handshake "completes" (per connection). */
  const handshakeRefusals = new Map<string, number>();

  const management = mockClient(ApiGatewayManagementApiClient);
  management.on(PostToConnectionCommand).callsFake((input: { ConnectionId: string; Data: Uint8Array }) => {
    const pending = handshakeRefusals.get(input.ConnectionId) ?? 0;
    if (pending > 0) handshakeRefusals.set(input.ConnectionId, pending - 1);
    if (pending > 0 || !live.has(input.ConnectionId)) {
      throw new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } });
    }
    const inbox = inboxes.get(input.ConnectionId) ?? [];
    inbox.push(JSON.parse(Buffer.from(input.Data).toString('utf8')));
    inboxes.set(input.ConnectionId, inbox);
    return {};
  });
  management.on(DeleteConnectionCommand).callsFake((input: { ConnectionId: string }) => {
    if (!live.delete(input.ConnectionId)) throw new GoneException({ message: 'gone', $metadata: {} });
    closed.push(input.ConnectionId);
    return {};
  });
  const lambdaMock = mockClient(LambdaClient);
  lambdaMock
    .on(InvokeCommand)
    .callsFake((input: { Payload: Uint8Array; InvocationType: string; FunctionName: string }) => {
      invocations.push({
        functionName: input.FunctionName,
        invocationType: input.InvocationType,
        payload: JSON.parse(Buffer.from(input.Payload).toString('utf8')),
      });
      return { StatusCode: 202 };
    });

  const onRoomSocketDisconnected = jest.fn(async (_conn: ConnectionRecord) => {});
  const connect = createConnectHandler(() => ({ ...defaultConnectDeps(), registry }));
  const opener = createOpenerHandler(() => ({ notifier: wsNotifier, sleep: async () => {} }));
  /** The handlers' clock: connections are registered at the real time, and `advance` ages them. */
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const relay = createRelayHandler(() => ({
    registry,
    notifier: wsNotifier,
    countFrame: (connectionId) => rateLimit(`signal:${connectionId}`, limits.signal),
    membership: new RedisMembership(),
    now,
  }));
  const disconnect = createDisconnectHandler(() => ({
    registry,
    notifier: wsNotifier,
    onRoomSocketDisconnected,
    now,
  }));

  /** What the join route and the room socket's join leave behind for this ticket (see test/support/member-ticket.ts). */
  function joined(who: Who) {
    const sub = defaultSub(who);
    const roomId = who.roomId ?? 'room-1';
    return markJoined({ sub, name: who.name ?? who.peerId, roomId, peerId: who.peerId, role: who.role ?? 'member' });
  }

  function event(connectionId: string, who?: Who, body?: string, sourceIp = '127.0.0.1'): WsEvent {
    return {
      requestContext: {
        connectionId,
        identity: { sourceIp },
        routeKey: '$connect',
        authorizer: who
          ? {
              principalId: defaultSub(who),
              sub: defaultSub(who),
              name: who.name ?? who.peerId,
              roomId: who.roomId ?? 'room-1',
              peerId: who.peerId,
              role: who.role ?? 'member',
              kind: who.kind ?? 'peer',
            }
          : undefined,
      },
      body,
    };
  }

  return {
    registry,
    live,
    closed,
    invocations,
    management,
    lambdaMock,
    onRoomSocketDisconnected,
    id,
    /** $connect, then the socket goes live and the async opener runs (as API Gateway + Lambda would). */
    async open(name: string, who: Who, options: { refusePosts?: number } = {}) {
      const connectionId = id(name);
      const before = invocations.length;
      if ((who.kind ?? 'peer') !== 'user' && who.admit !== false) await joined(who);
      const result = await connect(event(connectionId, who));
      if (result.statusCode !== 200) return { connectionId, result };
      live.add(connectionId);
      if (options.refusePosts) handshakeRefusals.set(connectionId, options.refusePosts);
      for (const inv of invocations.slice(before)) await opener((inv as { payload: unknown }).payload);
      return { connectionId, result };
    },
    connect: (connectionId: string, who?: Who) => connect(event(connectionId, who)),
    /** $connect from `sourceIp` (a member's ticket, so only the limits can refuse it). */
    async connectFrom(connectionId: string, who: Who, sourceIp: string) {
      await joined(who);
      return connect(event(connectionId, who, undefined, sourceIp));
    },
    send: (connectionId: string, message: unknown) =>
      relay(event(connectionId, undefined, typeof message === 'string' ? message : JSON.stringify(message))),
    /** The socket closes (browser gone), then API Gateway runs $disconnect. */
    async close(connectionId: string) {
      live.delete(connectionId);
      return disconnect(event(connectionId));
    },
    /** Moves the relay's and $disconnect's clock on (every connection so far grows that much older). */
    advance(ms: number) {
      clockOffset += ms;
    },
    inbox: (connectionId: string) => (inboxes.get(connectionId) ?? []) as Array<Record<string, unknown>>,
    clearInboxes: () => inboxes.clear(),
    restore() {
      management.restore();
      lambdaMock.restore();
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

/** What the peerjs client sends for a media call (payloads as measured, SDP shortened). */
export const offer = (dst: string, extra: Record<string, unknown> = {}) => ({
  type: 'OFFER',
  dst,
  payload: {
    sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' },
    type: 'media',
    connectionId: 'mc_abc123',
    metadata: { kind: 'camera' },
  },
  ...extra,
});
export const answer = (dst: string) => ({
  type: 'ANSWER',
  dst,
  payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'media', connectionId: 'mc_abc123' },
});
export const candidate = (dst: string) => ({
  type: 'CANDIDATE',
  dst,
  payload: {
    candidate: {
      candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'abcd',
    },
    type: 'media',
    connectionId: 'mc_abc123',
  },
});
