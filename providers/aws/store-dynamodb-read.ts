import type { ListedItem, StoredItem } from '../../shared/ports/store';
import { readSplitItem, storedItem } from '../../shared/store/split-values';
import { type Head, headKey, toHead } from './store-dynamodb-items';
import { type PartsIo, readSplit } from './store-dynamodb-parts';

/** A key's live item, by the injected clock; a split value read again when replaced meanwhile (readSplitItem). */
export function readItem(io: PartsIo, key: string, now: () => number): Promise<StoredItem | undefined> {
  return readSplitItem({
    store: 'dynamoStore', key, now,
    head: async () => {
      const out = await io.client.send(new io.sdk.GetItemCommand({ TableName: io.table, Key: headKey(key), ConsistentRead: true }));
      return out.Item && toHead(out.Item);
    },
    parts: async (head: Head) => (await readSplit(io, [head.split!]))[0],
  });
}

/** A list page's items with their values: split values read together, one replaced meanwhile read again alone. */
export async function withValues(io: PartsIo, heads: readonly Head[], now: () => number): Promise<ListedItem[]> {
  const split = heads.filter((h) => h.split);
  const values = new Map<Head, string | undefined>();
  (await readSplit(io, split.map((h) => h.split!))).forEach((value, i) => values.set(split[i]!, value));
  const items: ListedItem[] = [];
  for (const head of heads) {
    const value = head.split ? values.get(head) : head.value;
    const item = value === undefined ? await readItem(io, head.key, now) : storedItem(head, value);
    if (item) items.push({ key: head.key, ...item });
  }
  return items;
}
