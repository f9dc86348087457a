/**
 * Key-value state store with TTL and conditional writes: the persistence port behind
 * idempotency, replay protection, queues and cursors. Values are strings (JSON by convention).
 * Implementations: memory (tests), SQLite (local default); cloud stores implement the same
 * contract and pass the same suite (shared/store/contract.testkit.ts).
 */
export interface StoredItem {
  value: string;
  /** Opaque version for optimistic concurrency; changes on every write. */
  version: string;
  /** Epoch ms after which the item is gone, if it has a TTL. */
  expiresAt?: number;
}

export interface PutOptions {
  /** Item expires this many seconds after the write. */
  ttlSeconds?: number;
  /** Write only if no live item exists under the key. */
  ifAbsent?: boolean;
  /** Write only if the live item has this version. */
  ifVersion?: string;
}

export interface StateStore {
  get(key: string): Promise<StoredItem | undefined>;
  /** Returns false (and writes nothing) when a condition does not hold. */
  put(key: string, value: string, opts?: PutOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Readiness probe. */
  check(): Promise<void>;
}
