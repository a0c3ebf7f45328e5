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

/**
 * One kind of registry item, read through: hits come from an ExpiringMap, misses are never kept, and concurrent
 * misses of one key share a single read (single flight). A read already out when its key is invalidated may bring
 * back the old value, so callers that come later start a new read instead of joining it, and its answer is not kept.
 */
class ReadThrough<T> {
  private readonly cache: ExpiringMap<T>;
  private readonly reads = new Map<string, Promise<T | undefined>>();
  constructor(maxEntries: number, ttlMs: number, now: () => number) {
    this.cache = new ExpiringMap<T>(maxEntries, ttlMs, now);
  }
  get(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    const inflight = this.reads.get(key);
    if (inflight) return inflight;
    const current = (): boolean => this.reads.get(key) === promise;
    const promise: Promise<T | undefined> = read().then(
      (value) => {
        if (current()) {
          this.reads.delete(key);
          if (value) this.cache.set(key, value);
        }
        return value;
      },
      (error: unknown) => {
        if (current()) this.reads.delete(key);
        throw error;
      },
    );
    this.reads.set(key, promise);
    return promise;
  }
  invalidate(key: string): void {
    this.cache.delete(key);
    this.reads.delete(key);
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
 * Misses are never cached. Concurrent lookups of one key share a single read (single flight): a call set-up sends
 * a burst of ~30 frames per pair at once, and without it every frame of the burst missed the still-empty cache and
 * read DynamoDB itself (bench:signaling: most of the time the local relay spent above bare delivery).
 */
export class RegistryCache implements ConnectionRegistry {
  private readonly connections: ReadThrough<ConnectionRecord>;
  private readonly bindings: ReadThrough<PeerBinding>;

  constructor(
    private readonly inner: ConnectionRegistry,
    options: RegistryCacheOptions = {},
  ) {
    const now = options.now ?? Date.now;
    const max = options.maxEntries ?? 10_000;
    this.connections = new ReadThrough(max, options.connectionTtlMs ?? 10 * 60_000, now);
    this.bindings = new ReadThrough(max, options.bindingTtlMs ?? 30_000, now);
  }

  getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    return this.connections.get(connectionId, () => this.inner.getConnection(connectionId));
  }

  findPeer(peerId: string): Promise<PeerBinding | undefined> {
    return this.bindings.get(peerId, () => this.inner.findPeer(peerId));
  }

  /** The relay found the cached binding not deliverable (another room, the lobby): read it afresh next time. */
  forgetPeer(peerId: string): void {
    this.bindings.invalidate(peerId);
  }

  async deleteConnection(connectionId: string): Promise<void> {
    this.connections.invalidate(connectionId);
    await this.inner.deleteConnection(connectionId);
  }

  async releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    this.bindings.invalidate(peerId);
    return this.inner.releasePeerId(peerId, connectionId);
  }

  putConnection(record: ConnectionRecord): Promise<void> {
    this.connections.invalidate(record.connectionId);
    return this.inner.putConnection(record);
  }
  claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    this.bindings.invalidate(input.peerId);
    return this.inner.claimPeerId(input);
  }
  claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome> {
    this.bindings.invalidate(input.peerId);
    return this.inner.claimPeerIdDetailed(input);
  }
  listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    return this.inner.listRoom(roomId, kind);
  }
}
