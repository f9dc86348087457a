export const MAX_BATCH_WRITES = 25;
export const MAX_LIST_LIMIT = 1000;

/** Common argument checks of putAll, so every implementation refuses the same batches. */
export function checkWrites(writes: readonly Write[]): void {
  if (writes.length > MAX_BATCH_WRITES) throw new RangeError(`putAll: at most ${MAX_BATCH_WRITES} writes`);
  if (new Set(writes.map((w) => w.key)).size !== writes.length) throw new RangeError('putAll: keys must be distinct');
  for (const w of writes) if (!isDelete(w)) checkPutOptions(w.opts);
}

/** Common option checks of put and putAll. */
export function checkPutOptions(opts: PutOptions = {}): void {
  if (opts.newVersion !== undefined && (typeof opts.newVersion !== 'string' || opts.newVersion.length === 0 || opts.newVersion.length > 64)) {
    throw new RangeError('newVersion: a non-empty string of at most 64 characters');
  }
  // NaN or Infinity meant something else on each store: an error, or an item that never expired.
  if (opts.ttlSeconds !== undefined && !(Number.isFinite(opts.ttlSeconds) && opts.ttlSeconds >= 0)) {
    throw new RangeError('ttlSeconds: a finite number of seconds, at least 0');
  }
}

export const isDelete = (w: Write): w is DeleteWrite => w.delete === true;

export const listLimit = (opts: ListOptions = {}) => Math.min(Math.max(1, opts.limit ?? 100), MAX_LIST_LIMIT);

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
  /**
   * The version this write gives the item, for a caller that writes again on it and must not
   * read the item back to learn it (a lease followed by its outcome). It must be fresh, never
   * used before for any key (a random UUID). Default: the store makes one.
   */
  newVersion?: string;
}

/** A put inside putAll. */
export interface PutWrite {
  key: string;
  value: string;
  opts?: PutOptions;
  delete?: never;
}

/** A delete inside putAll: unconditional, and a key that is absent is no error. */
export interface DeleteWrite {
  key: string;
  delete: true;
  value?: never;
  opts?: never;
}

export type Write = PutWrite | DeleteWrite;

export interface ListOptions {
  /** At most this many items (default 100, at most 1000). */
  limit?: number;
  /** Start after this key (the `next` of the previous page). */
  after?: string;
}

export interface ListedItem extends StoredItem {
  key: string;
}

export interface ListPage {
  /** Live items whose key starts with the prefix, in ascending key order (code units). */
  items: ListedItem[];
  /** Set when more items may follow: pass it as `after`. */
  next?: string;
}

export interface StateStore {
  get(key: string): Promise<StoredItem | undefined>;
  /** Returns false (and writes nothing) when a condition does not hold. */
  put(key: string, value: string, opts?: PutOptions): Promise<boolean>;
  /**
   * Several writes as one atomic step: all of them when every condition holds, none otherwise
   * (false). Puts and deletes, distinct keys, at most 25 (DynamoDB TransactWriteItems'
   * historical limit, kept so every store can honour it).
   */
  putAll(writes: readonly Write[]): Promise<boolean>;
  /** A page of live items under a key prefix. */
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;
  delete(key: string): Promise<void>;
  /** Readiness probe. */
  check(): Promise<void>;
}
