import type { ListedItem, StoredItem } from '../../shared/ports/store';
import { AppError } from '../../shared/errors';
import { damaged, type Head, headKey, toHead } from './store-dynamodb-items';
import { type PartsIo, readSplit } from './store-dynamodb-parts';

/** Reads of a split value that concurrent writers keep replacing before giving up (retryable). */
const READ_ATTEMPTS = 5;

function stored(head: Head, value: string): StoredItem {
  const item: StoredItem = { value, version: head.version };
  if (head.expiresAt !== undefined) item.expiresAt = head.expiresAt;
  return item;
}

/**
 * A key's live item, by the injected clock. A split value whose parts vanish between reading the
 * head and reading the parts was replaced meanwhile (the writer removed them): read again from the
 * head. The same head with its parts still missing is no race: with a TTL, DynamoDB's TTL (which
 * deletes item by item, lazily) took the parts first and the value is gone; without one the table
 * was damaged.
 */
export async function readItem(io: PartsIo, key: string, now: () => number): Promise<StoredItem | undefined> {
  let missing: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const out = await io.client.send(new io.sdk.GetItemCommand({ TableName: io.table, Key: headKey(key), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const head = toHead(out.Item);
    if (head.expiresAt !== undefined && head.expiresAt <= now()) return undefined;
    if (!head.split) return stored(head, head.value!);
    if (head.split.partsId === missing) {
      if (head.expiresAt !== undefined) return undefined;
      throw damaged(`the parts of key ${key.slice(0, 80)} are missing`);
    }
    const [value] = await readSplit(io, [head.split]);
    if (value !== undefined) return stored(head, value);
    if (attempt >= READ_ATTEMPTS) {
      throw new AppError('store_unavailable', `dynamoStore: key ${key.slice(0, 80)} was replaced during each of ${READ_ATTEMPTS} reads`, { status: 503, retryable: true });
    }
    missing = head.split.partsId;
  }
}

/** A list page's items with their values: split values read together, one replaced meanwhile read again alone. */
export async function withValues(io: PartsIo, heads: readonly Head[], now: () => number): Promise<ListedItem[]> {
  const split = heads.filter((h) => h.split);
  const values = new Map<Head, string | undefined>();
  (await readSplit(io, split.map((h) => h.split!))).forEach((value, i) => values.set(split[i]!, value));
  const items: ListedItem[] = [];
  for (const head of heads) {
    const value = head.split ? values.get(head) : head.value;
    const item = value === undefined ? await readItem(io, head.key, now) : stored(head, value);
    if (item) items.push({ key: head.key, ...item });
  }
  return items;
}
