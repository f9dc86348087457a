import type { CollectionReference, Firestore } from '@google-cloud/firestore';
import { AppError } from '../../shared/errors';
import type { ListedItem, StoredItem } from '../../shared/ports/store';
import { damaged, encodeKey, type Head, joinParts, partId, type PartsRef, toHead } from './store-firestore-layout';

/**
 * Reads of the Firestore store: a head, then the parts of a split value (layout:
 * store-firestore-layout.ts) in one batched get. Both are plain strongly consistent reads, not a
 * transaction: a transaction would lock the documents against writers for nothing, because a
 * fresh parts id per write means the parts a head names are either all there or deleted.
 */
export interface ReadIo {
  db: Firestore;
  heads: CollectionReference;
  parts: CollectionReference;
}

/** Reads of a split value that concurrent writers keep replacing before giving up (retryable). */
const READ_ATTEMPTS = 5;
/** Split values of one list page read at once: a 3 MiB value is 4 parts, so about 16 MiB in flight. */
const CONCURRENCY = 4;

async function eachLimited<T, R>(inputs: readonly T[], run: (input: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      out[i] = await run(inputs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));
  return out;
}

/** A split value, or undefined when a part is missing: its head was replaced meanwhile and the writer deleted the parts. */
async function readSplit(io: ReadIo, split: PartsRef): Promise<string | undefined> {
  const refs = Array.from({ length: split.parts }, (_, i) => io.parts.doc(partId(split.partsId, i)));
  const snaps = refs.length === 0 ? [] : await io.db.getAll(...refs);
  return joinParts(split, snaps.map((s) => s.data()?.chunk as Uint8Array | undefined));
}

function stored(head: Head, value: string): StoredItem {
  const item: StoredItem = { value, version: head.version };
  if (head.expiresAt !== undefined) item.expiresAt = head.expiresAt;
  return item;
}

const isLive = (head: Head, now: number) => head.expiresAt === undefined || head.expiresAt > now;

/**
 * A key's live item, by the injected clock. A split value whose parts vanish between reading the
 * head and reading the parts was replaced meanwhile: read again from the head. The same head with
 * its parts still missing is no race: with a TTL, the TTL policy (which deletes document by
 * document, lazily) took the parts first and the value is gone; without one the data was damaged.
 */
export async function readItem(io: ReadIo, key: string, now: () => number): Promise<StoredItem | undefined> {
  const ref = io.heads.doc(encodeKey(key));
  let missing: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const data = (await ref.get()).data();
    if (data === undefined) return undefined;
    const head = toHead(data);
    if (!isLive(head, now())) return undefined;
    if (!head.split) return stored(head, head.value!);
    if (head.split.partsId === missing) {
      if (head.expiresAt !== undefined) return undefined;
      throw damaged(`the parts of key ${key.slice(0, 80)} are missing`);
    }
    const value = await readSplit(io, head.split);
    if (value !== undefined) return stored(head, value);
    if (attempt >= READ_ATTEMPTS) {
      throw new AppError('store_unavailable', `firestoreStore: key ${key.slice(0, 80)} was replaced during each of ${READ_ATTEMPTS} reads`, { status: 503, retryable: true });
    }
    missing = head.split.partsId;
  }
}

/** A list page's items with their values: split values read a few at a time, one replaced meanwhile read again alone. */
export async function withValues(io: ReadIo, heads: readonly Head[], now: () => number): Promise<ListedItem[]> {
  const values = await eachLimited(heads, (head) => (head.split ? readSplit(io, head.split) : Promise.resolve(head.value)));
  const items: ListedItem[] = [];
  for (const [i, head] of heads.entries()) {
    const value = values[i];
    const item = value === undefined ? await readItem(io, head.key, now) : stored(head, value);
    if (item) items.push({ key: head.key, ...item });
  }
  return items;
}
