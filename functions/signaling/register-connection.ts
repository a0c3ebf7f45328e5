import { notAMemberError, type Membership } from '../shared/membership';
import type { ClaimResult, ConnectionRecord, ConnectionRegistry } from './connection-registry';
import type { OpenerEvent } from './opener-event';
import type { ConnectionIdentity } from './ws-event';

export interface RegisterConnectionDeps {
  registry: ConnectionRegistry;
  /** Fire-and-forget: the opener runs after $connect has returned (async Lambda invoke in AWS). */
  requestOpen(event: OpenerEvent): Promise<void>;
  now(): number;
  membership: Pick<Membership, 'currentPeer'>;
  /** Counts one handshake for the identity and for the address; throws TooManyRequests past either limit. */
  countConnect(sub: string, address: string): Promise<void>;
  /** Closes a socket (API Gateway's DeleteConnection); its $disconnect cleans up as for any close. */
  close(connectionId: string): Promise<void>;
}

/**
 * Sockets of one kind one identity may hold in one room. A page holds one of each; a reload briefly holds two.
 * Beyond that the oldest are closed (the newest wins, as with a second join), so tickets cannot pile up sockets.
 */
export const MAX_SOCKETS_PER_IDENTITY = 2;

export type RegisterResult = ClaimResult | 'room' | 'user';

/**
 * $connect for every socket kind. A room or user socket is only recorded. A PeerJS socket first claims its peer id; the
 * connection record carries the id only when this socket owns it, because the relay stamps `src` from that record
 * (a socket refused with ID-TAKEN must not be able to speak as the id's owner before it is closed).
 */
export async function registerConnection(
  deps: RegisterConnectionDeps,
  connectionId: string,
  identity: ConnectionIdentity,
  address = 'unknown',
): Promise<RegisterResult> {
  // Before anything is written: a reconnect loop or a script opening sockets costs one counter each.
  await deps.countConnect(identity.sub, address);
  const base: ConnectionRecord = {
    connectionId,
    kind: identity.kind,
    roomId: identity.roomId,
    sub: identity.sub,
    name: identity.name,
    role: identity.role,
    connectedAt: deps.now(),
  };
  // A user socket only listens for its owner's pushes: no peer id to claim, nobody to OPEN.
  if (identity.kind === 'user') {
    await deps.registry.putConnection(base);
    return 'user';
  }
  // A valid signature is not enough: the ticket must still speak for a current member (functions/shared/membership.ts).
  // Lobby tickets are let in to knock; they can neither join the room nor relay a frame.
  if (identity.role !== 'lobby') {
    const current = await deps.membership.currentPeer(identity.roomId, identity.sub);
    if (current !== identity.peerId) throw notAMemberError();
  }
  if (identity.kind === 'room') {
    await deps.registry.putConnection({ ...base, peerId: identity.peerId });
    await closeOldestBeyondCap(deps, connectionId, identity);
    return 'room';
  }

  const claim = await deps.registry.claimPeerIdDetailed({
    peerId: identity.peerId,
    connectionId,
    roomId: identity.roomId,
    sub: identity.sub,
    role: identity.role,
  });
  await deps.registry.putConnection(claim.result === 'taken' ? base : { ...base, peerId: identity.peerId });
  await closeOldestBeyondCap(deps, connectionId, identity);

  if (claim.result === 'taken') {
    await deps.requestOpen({ connectionId, action: 'id-taken' });
  } else {
    const replaced = claim.previousConnectionId;
    await deps.requestOpen({
      connectionId,
      action: 'open',
      ...(replaced && replaced !== connectionId ? { replacedConnectionId: replaced } : {}),
    });
  }
  return claim.result;
}

async function closeOldestBeyondCap(deps: RegisterConnectionDeps, connectionId: string, identity: ConnectionIdentity) {
  const others = (await deps.registry.listRoom(identity.roomId, identity.kind))
    .filter((c) => c.sub === identity.sub && c.connectionId !== connectionId)
    .sort((a, b) => a.connectedAt - b.connectedAt);
  const excess = others.length - (MAX_SOCKETS_PER_IDENTITY - 1);
  for (const old of others.slice(0, Math.max(0, excess))) await deps.close(old.connectionId);
}
