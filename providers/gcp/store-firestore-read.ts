import type { CollectionReference, Firestore } from '@google-cloud/firestore';
import type { ListedItem, StoredItem } from '../../shared/ports/store';
import { eachLimited } from '../../shared/batch/each-limited';
import { readSplitItem, storedItem } from '../../shared/store/split-values';
import { encodeKey, type Head, joinParts, partId, type PartsRef, toHead } from './store-firestore-layout';

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

/** Split values of one list page read at once: a 3 MiB value is 4 parts, so about 16 MiB in flight. */
const CONCURRENCY = 4;

/** A split value, or undefined when a part is missing: its head was replaced meanwhile and the writer deleted the parts. */
async function readSplit(io: ReadIo, split: PartsRef): Promise<string | undefined> {
  const refs = Array.from({ length: split.parts }, (_, i) => io.parts.doc(partId(split.partsId, i)));
  const snaps = refs.length === 0 ? [] : await io.db.getAll(...refs);
  return joinParts(split, snaps.map((s) => s.data()?.chunk as Uint8Array | undefined));
}

/** A key's live item, by the injected clock; a split value read again when replaced meanwhile (readSplitItem). */
export function readItem(io: ReadIo, key: string, now: () => number): Promise<StoredItem | undefined> {
  const ref = io.heads.doc(encodeKey(key));
  return readSplitItem({
    store: 'firestoreStore', key, now,
    head: async () => {
      const data = (await ref.get()).data();
      return data && toHead(data);
    },
    parts: (head: Head) => readSplit(io, head.split!),
  });
}

/** A list page's items with their values: split values read a few at a time, one replaced meanwhile read again alone. */
export async function withValues(io: ReadIo, heads: readonly Head[], now: () => number): Promise<ListedItem[]> {
  const values = await eachLimited(heads, CONCURRENCY, (head) => (head.split ? readSplit(io, head.split) : Promise.resolve(head.value)));
  const items: ListedItem[] = [];
  for (const [i, head] of heads.entries()) {
    const value = values[i];
    const item = value === undefined ? await readItem(io, head.key, now) : storedItem(head, value);
    if (item) items.push({ key: head.key, ...item });
  }
  return items;
}
