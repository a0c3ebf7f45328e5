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
 * Misses are never cached. Concurrent lookups of one key share a single read (single flight): a call set-up sends
 * a burst of ~30 frames per pair at once, and without it every frame of the burst missed the still-empty cache and
 * read DynamoDB itself (bench:signaling: most of the time the local relay spent above bare delivery).
 */
export class RegistryCache implements ConnectionRegistry {
  private readonly connections: ExpiringMap<ConnectionRecord>;
  private readonly bindings: ExpiringMap<PeerBinding>;
  private readonly connectionReads = new Map<string, Promise<ConnectionRecord | undefined>>();
  private readonly bindingReads = new Map<string, Promise<PeerBinding | undefined>>();

  constructor(
    private readonly inner: ConnectionRegistry,
    options: RegistryCacheOptions = {},
  ) {
    const now = options.now ?? Date.now;
    const max = options.maxEntries ?? 10_000;
    this.connections = new ExpiringMap(max, options.connectionTtlMs ?? 10 * 60_000, now);
    this.bindings = new ExpiringMap(max, options.bindingTtlMs ?? 30_000, now);
  }

  getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    const cached = this.connections.get(connectionId);
    if (cached) return Promise.resolve(cached);
    return singleFlight(
      this.connectionReads,
      connectionId,
      () => this.inner.getConnection(connectionId),
      (record) => record && this.connections.set(connectionId, record),
    );
  }

  findPeer(peerId: string): Promise<PeerBinding | undefined> {
    const cached = this.bindings.get(peerId);
    if (cached) return Promise.resolve(cached);
    return singleFlight(
      this.bindingReads,
      peerId,
      () => this.inner.findPeer(peerId),
      (binding) => binding && this.bindings.set(peerId, binding),
    );
  }

  /** The relay found the cached binding not deliverable (another room, the lobby): read it afresh next time. */
  forgetPeer(peerId: string): void {
    this.invalidatePeer(peerId);
  }

  async deleteConnection(connectionId: string): Promise<void> {
    this.invalidateConnection(connectionId);
    await this.inner.deleteConnection(connectionId);
  }

  async releasePeerId(peerId: string, connectionId: string): Promise<boolean> {
    this.invalidatePeer(peerId);
    return this.inner.releasePeerId(peerId, connectionId);
  }

  putConnection(record: ConnectionRecord): Promise<void> {
    this.invalidateConnection(record.connectionId);
    return this.inner.putConnection(record);
  }
  claimPeerId(input: ClaimPeerIdInput): Promise<ClaimResult> {
    this.invalidatePeer(input.peerId);
    return this.inner.claimPeerId(input);
  }
  claimPeerIdDetailed(input: ClaimPeerIdInput): Promise<ClaimOutcome> {
    this.invalidatePeer(input.peerId);
    return this.inner.claimPeerIdDetailed(input);
  }
  listRoom(roomId: string, kind?: ConnectionKind): Promise<ConnectionRecord[]> {
    return this.inner.listRoom(roomId, kind);
  }

  // A read already out when the key changes may bring back the old value: callers that come later start a new
  // read instead of joining it, and the old read's answer is not cached.
  private invalidatePeer(peerId: string): void {
    this.bindings.delete(peerId);
    this.bindingReads.delete(peerId);
  }
  private invalidateConnection(connectionId: string): void {
    this.connections.delete(connectionId);
    this.connectionReads.delete(connectionId);
  }
}

/**
 * Runs `read` once per key at a time; callers that arrive while it is out share its promise. Its answer is kept
 * (`store`) only if the read is still the key's current one, i.e. nothing invalidated the key meanwhile.
 */
function singleFlight<T>(
  reads: Map<string, Promise<T>>,
  key: string,
  read: () => Promise<T>,
  store: (value: T) => unknown,
): Promise<T> {
  const inflight = reads.get(key);
  if (inflight) return inflight;
  const promise: Promise<T> = read().then(
    (value) => {
      if (reads.get(key) === promise) {
        reads.delete(key);
        store(value);
      }
      return value;
    },
    (error: unknown) => {
      if (reads.get(key) === promise) reads.delete(key);
      throw error;
    },
  );
  reads.set(key, promise);
  return promise;
}
