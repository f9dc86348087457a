import { AppError } from '../errors';
import type { StoredItem } from '../ports/store';

/**
 * What the cloud state stores share for values larger than one of their items (a DynamoDB item,
 * a Table entity, a Firestore document): the value's bytes go to part items named by a fresh
 * `partsId` per write, and the key's own item (the head) says where they are. Each store lays
 * its parts out in its own way (providers/<cloud>/store-*); reading them back, the limits and the
 * errors are the same everywhere and live here.
 */

/** The largest value the cloud stores take, split or not: an event or a dead letter of a 1 MiB body with room to spare. */
export const MAX_SPLIT_VALUE_BYTES = 3 * 1024 * 1024;

/** Where a value split by its UTF-8 bytes is, as its head says (DynamoDB, Firestore). */
export interface Utf8PartsRef {
  partsId: string;
  parts: number;
  bytes: number;
}

/** A head read back: the value when it is inline, else where its parts are. */
export interface SplitHead {
  version: string;
  expiresAt?: number;
  value?: string;
  split?: { partsId: string };
}

/** A value or batch a store cannot hold: a clear 413 rather than the cloud's validation error, which queue adapters would retry for nothing. */
export const valueTooLarge = (message: string) => new AppError('store_value_too_large', message, { status: 413, retryable: false });

/** A split value that cannot be put back together: not a race (reads retry those), so not retryable. */
export const valueDamaged = (store: string, message: string) =>
  new AppError('store_value_damaged', `${store}: ${message}`, { status: 500, retryable: false, expose: false });

export function storedItem(head: SplitHead, value: string): StoredItem {
  const item: StoredItem = { value, version: head.version };
  if (head.expiresAt !== undefined) item.expiresAt = head.expiresAt;
  return item;
}

/** A value's UTF-8 bytes in slices of at most `sliceBytes` (a character may straddle two: joinUtf8 decodes after joining). */
export function sliceUtf8(value: string, sliceBytes: number): Buffer[] {
  const bytes = Buffer.from(value, 'utf8');
  return Array.from({ length: Math.ceil(bytes.length / sliceBytes) }, (_, i) => bytes.subarray(i * sliceBytes, (i + 1) * sliceBytes));
}

/**
 * Joins the slices of a split value; undefined when one is missing (its head was replaced and the
 * parts removed). Decoded after the concatenation, so a character whose bytes straddle two
 * slices comes out whole.
 */
export function joinUtf8(store: string, split: Utf8PartsRef, chunks: readonly (Uint8Array | undefined)[]): string | undefined {
  if (chunks.length !== split.parts || chunks.some((c) => c === undefined)) return undefined;
  const bytes = Buffer.concat(chunks as Uint8Array[]);
  if (bytes.length !== split.bytes) throw valueDamaged(store, `parts ${split.partsId} hold ${bytes.length} bytes; their head says ${split.bytes}`);
  return bytes.toString('utf8');
}

/** Reads of a split value that concurrent writers keep replacing before giving up (retryable). */
const READ_ATTEMPTS = 5;

export interface SplitRead<H extends SplitHead> {
  /** The store's name and the key, for errors. */
  store: string;
  key: string;
  now: () => number;
  /** The key's head, expired or not; undefined when there is none. */
  head: () => Promise<H | undefined>;
  /** The head's split value; undefined when a part is missing. */
  parts: (head: H) => Promise<string | undefined>;
}

/**
 * A key's live item, by the injected clock. A split value whose parts vanish between reading the
 * head and reading the parts was replaced meanwhile (its writer removed them): read again from
 * the head. The same head with its parts still missing is no race: with a TTL, the cloud's TTL or
 * the store's sweep (which delete item by item) took the parts first and the value is gone;
 * without one the store is damaged.
 */
export async function readSplitItem<H extends SplitHead>(read: SplitRead<H>): Promise<StoredItem | undefined> {
  let missing: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const head = await read.head();
    if (head === undefined || (head.expiresAt !== undefined && head.expiresAt <= read.now())) return undefined;
    if (!head.split) return storedItem(head, head.value ?? '');
    if (head.split.partsId === missing) {
      if (head.expiresAt !== undefined) return undefined;
      throw valueDamaged(read.store, `the parts of key ${read.key.slice(0, 80)} are missing`);
    }
    const value = await read.parts(head);
    if (value !== undefined) return storedItem(head, value);
    if (attempt >= READ_ATTEMPTS) {
      // Shown to HTTP callers like every store_unavailable (unavailable.ts): no key in the text.
      throw new AppError('store_unavailable', `${read.store}: a value was replaced during each of ${READ_ATTEMPTS} reads; retry shortly`, {
        status: 503,
        retryable: true,
        expose: true,
        headers: { 'retry-after': '1' },
      });
    }
    missing = head.split.partsId;
  }
}
