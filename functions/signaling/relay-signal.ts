import { BadRequest, Forbidden, PayloadTooLarge } from '../shared/errors';
import {
  CLIENT_TYPES,
  MAX_SIGNAL_BYTES,
  clientMessageSchema,
  type ClientSignal,
  type ServerMessage,
} from '../shared/protocol/peerjs';
import { notAMemberError, type Membership } from '../shared/membership';
import type { ConnectionRecord, ConnectionRegistry, PeerBinding } from './connection-registry';
import { goneForGood } from './handshake-grace';
import type { Notifier } from './ports';

export interface RelayDeps {
  registry: ConnectionRegistry;
  notifier: Notifier;
  /** Counts one frame for the sender; throws TooManyRequests past the limit. */
  countFrame(connectionId: string): Promise<void>;
  /** Drops a cached peer binding (when the registry is a RegistryCache). */
  forgetPeer?(peerId: string): void;
  membership: Pick<Membership, 'checkRelay'>;
  /** Epoch ms (tests move it); default Date.now. */
  now?: () => number;
}

export type RelayOutcome =
  | { status: 'delivered'; src: string; dst: string }
  /** dst absent, in another room, in the lobby or gone (410); OFFER/ANSWER senders got an EXPIRE. */
  | { status: 'unreachable'; src: string; dst: string; expired: boolean }
  | { status: 'heartbeat' };

// Answering every CANDIDATE to an absent peer with EXPIRE would raise ~24 'peer-unavailable' errors per failed call
// in the sender's page; peer@1.0.2 also sends one EXPIRE per (src, dst). The OFFER (or ANSWER) one is enough.
const EXPIRE_ON: ReadonlySet<string> = new Set(['OFFER', 'ANSWER']);

/** Parses one frame into a validated PeerJS message, with an error message a developer can act on. */
export function parseSignal(body: string): ClientSignal | { type: 'HEARTBEAT' } {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_SIGNAL_BYTES) {
    throw new PayloadTooLarge(`Message is ${bytes} bytes; the limit is ${MAX_SIGNAL_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadRequest('Message is not valid JSON');
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') {
    throw new BadRequest(`Message has no "type"; expected one of ${CLIENT_TYPES.join(', ')}`);
  }
  if (!(CLIENT_TYPES as readonly string[]).includes(type)) {
    throw new BadRequest(`Unknown message type "${type.slice(0, 40)}"; expected one of ${CLIENT_TYPES.join(', ')}`);
  }
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`);
    throw new BadRequest(`Invalid ${type} message: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function assertMaySignal(sender: ConnectionRecord | undefined): asserts sender is ConnectionRecord & {
  peerId: string;
} {
  if (!sender || sender.kind !== 'peer') throw new Forbidden('This socket is not a registered PeerJS socket');
  if (!sender.peerId) throw new Forbidden('Your peer id is held by another session (ID-TAKEN)');
  // A knocker has no business exchanging media with the room until a host admits them (with a new ticket).
  if (sender.role === 'lobby') throw new Forbidden('Wait until a host admits you before calling anyone');
}

/**
 * Membership, checked on every frame (both ends, one round trip): a sender whose membership ended is refused (and the
 * handler closes its socket), whether or not the target exists. True when the frame may reach `target`: same room,
 * admitted, a current member, the sender is in the live roster, and both are in the same breakout room (or both in
 * the main room): a page cannot call someone in another breakout room, it gets the EXPIRE of an absent peer.
 */
async function mayReach(
  deps: RelayDeps,
  sender: ConnectionRecord & { peerId: string },
  target: PeerBinding | undefined,
): Promise<boolean> {
  const sameRoom = target !== undefined && target.roomId === sender.roomId && target.role !== 'lobby';
  const check = await deps.membership.checkRelay(
    sender.roomId,
    { sub: sender.sub, peerId: sender.peerId },
    sameRoom ? { sub: target.sub, peerId: target.peerId } : undefined,
  );
  if (!check.senderMember) throw notAMemberError();
  return sameRoom && check.senderPresent && check.targetMember && check.samePlace;
}

/**
 * Relays one PeerJS frame from `connectionId`. `src` is always the sender's registered peer id, whatever the client
 * wrote; the frame reaches `dst` only if it is bound to an admitted peer socket in the sender's room. Nothing is
 * queued for absent peers: our app calls only peers the roster shows as present, so the reference server's
 * 5 s queue would only delay the EXPIRE the caller needs.
 */
export async function relaySignal(deps: RelayDeps, connectionId: string, body: string): Promise<RelayOutcome> {
  await deps.countFrame(connectionId);
  const message = parseSignal(body);
  if (message.type === 'HEARTBEAT') return { status: 'heartbeat' };

  const sender = await deps.registry.getConnection(connectionId);
  assertMaySignal(sender);
  const src = sender.peerId;
  const { dst } = message;

  const relayed = { type: message.type, src, dst, ...('payload' in message ? { payload: message.payload } : {}) };
  let gone: string | undefined;
  // Two tries: after a 410 the peer may have reconnected on a new socket, and a cached binding may predate it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const target = await deps.registry.findPeer(dst);
    if (target && target.connectionId === gone) break;
    const reachable = await mayReach(deps, sender, target);
    if (!target) break;
    if (reachable) {
      if (await deps.notifier.post(target.connectionId, relayed)) return { status: 'delivered', src, dst };
      gone = target.connectionId;
      if (goneForGood(await deps.registry.getConnection(target.connectionId), (deps.now ?? Date.now)())) {
        // 410: the socket died without a $disconnect yet; forget it so the next sender gets EXPIRE straight away.
        await Promise.all([
          deps.registry.deleteConnection(target.connectionId),
          deps.registry.releasePeerId(dst, target.connectionId),
        ]);
      } else {
        // It may still be in its handshake (handshake-grace.ts): not reachable yet, but not gone. A cached
        // binding may still predate a newer socket of the peer: the second try reads it afresh.
        deps.forgetPeer?.(dst);
      }
    } else {
      // Not deliverable here. Only a cached answer is worth a second look (the peer may have moved rooms since).
      if (!deps.forgetPeer) break;
      deps.forgetPeer(dst);
    }
  }

  // Same answer for "absent" and "in another room": a caller learns nothing about other meetings.
  const expired = EXPIRE_ON.has(message.type);
  if (expired) {
    const expire: ServerMessage = { type: 'EXPIRE', src: dst, dst: src };
    await deps.notifier.post(connectionId, expire);
  }
  return { status: 'unreachable', src, dst, expired };
}
