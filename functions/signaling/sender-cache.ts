import type {
  ClaimOutcome,
  ClaimPeerIdInput,
  ClaimResult,
  ConnectionKind,
  ConnectionRecord,
  ConnectionRegistry,
  PeerBinding,
} from './connection-registry';

/**
 * Keeps connection records a warm container has read. Safe because a record is written once at $connect and only
 * deleted afterwards (a role change or an admitted knocker reconnects with a new ticket, hence a new connection id);
 * peer bindings do move between sockets and are never cached.
 */
export class SenderCache implements ConnectionRegistry {
  private readonly records = new Map<string, { record: ConnectionRecord; expires: number }>();

  constructor(
    private readonly inner: ConnectionRegistry,
    // A Lambda container rarely sees more than a few thousand sockets; the bound only protects the local process.
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 10 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const hit = this.records.get(connectionId);
    if (hit && hit.expires > this.now()) return hit.record;
    this.records.delete(connectionId);
    const record = await this.inner.getConnection(connectionId);
    if (record) {
      if (this.records.size >= this.maxEntries) this.records.delete(this.records.keys().next().value!);
      this.records.set(connectionId, { record, expires: this.now() + this.ttlMs });
    }
    return record;
  }

  async deleteConnection(connectionId: string): Promise<void> {
    this.records.delete(connectionId);
    await this.inner.deleteConnection(connectionId);
  }

  putConnection(record: ConnectionRecord): Promise<void> {
    this.records.delete(record.connectionId);
    return this.inner.putConnection(record);
  }
  claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    return this.inner.claimPeerId(input);
  }
  claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome> {
    return this.inner.claimPeerIdDetailed(input);
  }
  releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    return this.inner.releasePeerId(peerId, connectionId);
  }
  findPeer(peerId: string): Promise<PeerBinding | undefined> {
    return this.inner.findPeer(peerId);
  }
  listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    return this.inner.listRoom(roomId, kind);
  }
}
