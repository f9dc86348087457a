import { AppError } from '../errors/app-error';

export const MAX_BATCH_WRITES = 25;
export const MAX_LIST_LIMIT = 1000;
const DEFAULT_LIST_LIMIT = 100;

/**
 * The longest TTL a store takes: about 317 years, far beyond any record's life. Larger ones
 * (a rate limit of one token per 10^300 s) give expiry times PostgreSQL's bigint and Redis's
 * PEXPIREAT refuse, and Firestore's timestamps end in the year 9999: each failed its own way
 * (a driver error, a script that stopped half-way through a batch).
 */
export const MAX_TTL_SECONDS = 10_000_000_000;

/**
 * The longest key, in bytes of UTF-8, that every store's layout holds: Azure Table Storage's
 * RowKey takes 1 KiB, i.e. 512 UTF-16 code units, and the store spends one (U+0100 + b) on each
 * UTF-8 byte of the key. The others take more (Firestore 750: a document id holds the key's hex;
 * DynamoDB 1,024: a sort key; PostgreSQL about 2,700: a B-tree entry), so a key one of them took
 * would fail on the next. A text from outside belongs in a key through keyPart
 * (shared/store/key-part.ts), which bounds its length.
 */
export const MAX_KEY_BYTES = 512;

/**
 * Refuses a key no store holds, the empty one included, before any I/O: not retryable (the same
 * key fails every time), and not shown to callers (a key is built by the code, not sent by them).
 */
export function checkKey(store: string, key: string): void {
  if (key.length > 0 && (key.length <= MAX_KEY_BYTES / 3 || Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES)) return;
  const bytes = Buffer.byteLength(key, 'utf8');
  throw new AppError('store_key_invalid', `${store}: a key must be 1 to ${MAX_KEY_BYTES} bytes of UTF-8; this one is ${bytes}`, {
    status: 500,
    retryable: false,
    expose: false,
  });
}

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
  if (opts.ttlSeconds !== undefined && opts.ttlSeconds > MAX_TTL_SECONDS) throw new RangeError(`ttlSeconds: at most ${MAX_TTL_SECONDS}`);
}

export const isDelete = (w: Write): w is DeleteWrite => w.delete === true;

/**
 * A list's page size: a whole number from 1 to MAX_LIST_LIMIT, a fraction cut down, NaN the
 * default. A fraction never equalled a page's length (the memory store listed every item) and
 * reached SQL LIMITs and Redis as a number they refuse.
 */
export function listLimit(opts: ListOptions = {}): number {
  const limit = opts.limit ?? DEFAULT_LIST_LIMIT;
  if (Number.isNaN(limit)) return DEFAULT_LIST_LIMIT;
  return Math.min(Math.max(1, Math.floor(limit)), MAX_LIST_LIMIT);
}

/**
 * Key-value state store with TTL and conditional writes: the persistence port behind
 * idempotency, replay protection, queues and cursors. Values are strings (JSON by convention).
 * Implementations: memory (tests), SQLite (local default); cloud stores implement the same
 * contract and pass the same suite (shared/store/contract.testkit.ts). A key is 1 to
 * MAX_KEY_BYTES bytes of UTF-8, and keys, prefixes, cursors and values are well-formed Unicode
 * text (shared/store/text-and-ttl.ts): every store refuses others before any I/O.
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
  /** At most this many items: a whole number (a fraction is cut), default 100 (NaN too), 1 to 1000. */
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
