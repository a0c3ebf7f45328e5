import type {
  ClaimOutcome,
  ClaimPeerIdInput,
  ClaimResult,
  ConnectionKind,
  ConnectionRecord,
  ConnectionRegistry,
  PeerBinding,
} from '../../../functions/signaling/connection-registry';

/**
 * The ConnectionRegistry semantics of the DynamoDB adapter (proved against dynalite in
 * test/integration/signaling/connection-registry.test.ts), kept in memory for handler tests.
 */
export class InMemoryRegistry implements ConnectionRegistry {
  readonly connections = new Map<string, ConnectionRecord>();
  readonly peers = new Map<string, PeerBinding>();

  async putConnection(record: ConnectionRecord): Promise<void> {
    this.connections.set(record.connectionId, { ...record, ttl: record.ttl ?? 1 });
  }
  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    return this.connections.get(connectionId);
  }
  async deleteConnection(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
  }
  async claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    return (await this.claimPeerIdDetailed(input)).result;
  }
  async claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome> {
    const held = this.peers.get(input.peerId);
    if (held && held.sub !== input.sub) return { result: 'taken' };
    this.peers.set(input.peerId, { ...input, ttl: 1 });
    return held ? { result: 'rebound', previousConnectionId: held.connectionId } : { result: 'claimed' };
  }
  async releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    if (this.peers.get(peerId)?.connectionId !== connectionId) return false;
    this.peers.delete(peerId);
    return true;
  }
  async findPeer(peerId: string): Promise<PeerBinding | undefined> {
    return this.peers.get(peerId);
  }
  async listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    return [...this.connections.values()].filter((c) => c.roomId === roomId && (!kind || c.kind === kind));
  }
}
