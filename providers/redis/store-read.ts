import type Redis from 'ioredis';
import type { ListedItem, ListPage, StoredItem } from '../../shared/ports/store';
import { dropGone, type StoreKeys } from './store-lua';

/** Reads of the Redis store: an item's hash fields decoded, and a page of a key prefix. */

/** The item of a hash's v, ver and exp fields; undefined if there is none or it expired by `now`. */
export const toItem = (v: string | null, ver: string | null, exp: string | null, now: number): StoredItem | undefined => {
  if (v === null || ver === null) return undefined;
  if (exp && Number(exp) <= now) return undefined;
  const item: StoredItem = { value: v, version: ver };
  if (exp) item.expiresAt = Number(exp);
  return item;
};

/**
 * Up to `limit` live items of `listPrefix` after the key `after`, from the index by ZRANGEBYLEX
 * in batches; index entries whose hash is gone are dropped on the way.
 */
export async function listPage(
  client: Redis, keys: StoreKeys, listPrefix: string, after: string | undefined, limit: number, now: number,
): Promise<ListPage> {
  // Byte-wise bounds: every UTF-8 continuation of the prefix sorts below the byte 0xFF,
  // which never occurs in UTF-8, so [prefix, prefix + 0xFF) is exactly the prefix's keys.
  const max = Buffer.concat([Buffer.from(`(${listPrefix}`), Buffer.from([0xff])]);
  let min: string = after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(listPrefix)) >= 0 ? `(${after}` : `[${listPrefix}`;
  const items: ListedItem[] = [];
  const batchSize = Math.min(limit + 1, 500);
  for (;;) {
    const members = await client.zrangebylex(keys.index, min, max, 'LIMIT', 0, batchSize);
    if (members.length === 0) break;
    const pipeline = client.pipeline();
    for (const m of members) pipeline.hmget(keys.item(m), 'v', 'ver', 'exp');
    const replies = (await pipeline.exec()) ?? [];
    const gone: string[] = [];
    members.forEach((key, i) => {
      const [err, fields] = replies[i] ?? [];
      if (err) throw err;
      const [v, ver, exp] = fields as (string | null)[];
      if (v === null || v === undefined) gone.push(key);
      const item = toItem(v ?? null, ver ?? null, exp ?? null, now);
      if (item) items.push({ key, ...item });
    });
    if (gone.length > 0) await dropGone(client, keys, gone);
    if (items.length > limit || members.length < batchSize) break;
    min = `(${members[members.length - 1]}`;
  }
  const page = items.slice(0, limit);
  return items.length > limit ? { items: page, next: page[page.length - 1]!.key } : { items: page };
}
