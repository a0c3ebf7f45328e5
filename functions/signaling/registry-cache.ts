import type {
  ClaimOutcome,
  ClaimPeerIdInput,
  ClaimResult,
  ConnectionKind,
  ConnectionRecord,
  ConnectionRegistry,
  PeerBinding,
} from './connection-registry';

interface Entry<T> {
  value: T;
  expires: number;
}

/** Insertion-ordered map with a size bound and per-entry expiry. */
class ExpiringMap<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}
  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: T): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

export interface RegistryCacheOptions {
  /** A Lambda container rarely sees more than a few thousand sockets; the bound protects the local process. */
  maxEntries?: number;
  connectionTtlMs?: number;
  bindingTtlMs?: number;
  now?: () => number;
}

/**
 * The relay's hot path reads two items per frame: the sender's connection and the destination's binding. This
 * keeps both in a warm container:
 * - A connection record is written once at $connect and only deleted afterwards (a role change or an admitted
 *   knocker reconnects with a new ticket, hence a new connection id), so it is cached until it expires.
 * - A binding (peer id → connection) can move to a newer socket. A stale one still names a connection of the
 *   same room (a connection's room never changes), so it can never leak a frame into another meeting; posting to
 *   it answers 410 once that socket is gone, and the relay then evicts it (releasePeerId / deleteConnection) and
 *   looks again; a cached binding that fails the room check is re-read once too (`forgetPeer`), since the peer
 *   may have moved rooms since. The short TTL bounds how long a replaced-but-still-open socket could keep receiving.
 * Misses are never cached.
 */
export class RegistryCache implements ConnectionRegistry {
  private readonly connections: ExpiringMap<ConnectionRecord>;
  private readonly bindings: ExpiringMap<PeerBinding>;

  constructor(
    private readonly inner: ConnectionRegistry,
    options: RegistryCacheOptions = {},
  ) {
    const now = options.now ?? Date.now;
    const max = options.maxEntries ?? 10_000;
    this.connections = new ExpiringMap(max, options.connectionTtlMs ?? 10 * 60_000, now);
    this.bindings = new ExpiringMap(max, options.bindingTtlMs ?? 30_000, now);
  }

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const cached = this.connections.get(connectionId);
    if (cached) return cached;
    const record = await this.inner.getConnection(connectionId);
    if (record) this.connections.set(connectionId, record);
    return record;
  }

  async findPeer(peerId: string): Promise<PeerBinding | undefined> {
    const cached = this.bindings.get(peerId);
    if (cached) return cached;
    const binding = await this.inner.findPeer(peerId);
    if (binding) this.bindings.set(peerId, binding);
    return binding;
  }

  /** The relay found the cached binding not deliverable (another room, the lobby): read it afresh next time. */
  forgetPeer(peerId: string): void {
    this.bindings.delete(peerId);
  }

  async deleteConnection(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    await this.inner.deleteConnection(connectionId);
  }

  async releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    this.bindings.delete(peerId);
    return this.inner.releasePeerId(peerId, connectionId);
  }

  putConnection(record: ConnectionRecord): Promise<void> {
    this.connections.delete(record.connectionId);
    return this.inner.putConnection(record);
  }
  claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    this.bindings.delete(input.peerId);
    return this.inner.claimPeerId(input);
  }
  claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome> {
    this.bindings.delete(input.peerId);
    return this.inner.claimPeerIdDetailed(input);
  }
  listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    return this.inner.listRoom(roomId, kind);
  }
}
