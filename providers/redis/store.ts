import type Redis from 'ioredis';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, listLimit, type StateStore, type Write } from '../../shared/ports/store';
import { checkStoreWrites, checkText } from '../../shared/store/text-and-ttl';
import { openClient, type RedisTimeouts } from './client';
import { guarded } from './errors';
import { remove, storeKeys } from './store-lua';
import { listPage, toItem } from './store-read';
import { watchResends } from './store-resend';
import { sweeper } from './store-sweep';
import { writeBatch } from './store-write';

/**
 * StateStore on Redis. Each item is a hash `<prefix>i:<key>` with fields v (value), ver
 * (version), exp (expiresAt in epoch ms, '' for none); a sorted set `<prefix>idx` holds the keys
 * (score 0) so `list` reads a prefix with ZRANGEBYLEX, which orders members by their UTF-8 bytes,
 * that is by code point (https://redis.io/docs/latest/commands/zrangebylex/).
 *
 * Writes run as one Lua script (conditions checked for every key first, then every key
 * written or deleted), so a put or a putAll is one atomic step for every client of the server
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/). The injected
 * clock's `now` is passed to the script: expiry is judged by it alone. A native PEXPIREAT is set
 * only as garbage collection, by the real clock, `gcMarginMs` after the TTL would end. Index
 * entries whose hash is gone are removed when `list` meets them, and, since most items with a
 * TTL are read by key and never listed (events, claims, rate-limit buckets), by a sweep every few
 * hundred writes: a second sorted set `<prefix>exp` scores each such item's member by the time
 * of its native expiry, so the sweep finds exactly the entries due, without a scan.
 *
 * Redis Cluster: every key of one store must be in one slot, so give the prefix a hash tag,
 * e.g. `{secorch}:`.
 */
export interface RedisStoreOptions extends RedisTimeouts {
  /** e.g. redis://127.0.0.1:6379/0; or pass a client the caller owns (and quits). */
  url?: string;
  client?: Redis;
  /** Namespace of every key this store touches. */
  prefix?: string;
  clock: Clock;
  /** Native expiry is set this long after the TTL by the real clock; `false` sets none. */
  gcMarginMs?: number | false;
  /**
   * Where this instance's write count starts, as a fraction of the collection interval (default
   * random). Short-lived instances (a function that writes a dozen times and is recycled) would
   * never reach the interval if every one counted from zero.
   */
  random?: () => number;
}

export type RedisStore = StateStore & { close(): Promise<void> };

const DEFAULT_GC_MARGIN_MS = 3_600_000;
const NAME = 'redisStore';

/**
 * The store's parts, beside this file: store-lua.ts (the scripts and the keys they touch),
 * store-write.ts (a batch as one script), store-resend.ts (a script the client ran twice),
 * store-read.ts (decoding items, list), store-sweep.ts (the sweep of expired index entries).
 */
export function redisStore(opts: RedisStoreOptions): RedisStore {
  const { clock } = opts;
  if (!opts.client && !opts.url) throw new TypeError('redisStore: url or client is required');
  const ownsClient = !opts.client;
  const client = opts.client ?? openClient(opts.url!, opts);
  const gcMargin = opts.gcMarginMs ?? DEFAULT_GC_MARGIN_MS;
  const keys = storeKeys(opts.prefix ?? 'secorch:');
  const resends = watchResends(client);
  const run = (batch: readonly Write[]) => writeBatch(client, keys, batch, clock.now(), gcMargin, resends);
  const collect = sweeper(client, keys, gcMargin, opts.random);

  return {
    get: (key) => guarded('get', async () => {
      checkText(NAME, 'key', key);
      const [v, ver, exp] = await client.hmget(keys.item(key), 'v', 'ver', 'exp');
      return toItem(v ?? null, ver ?? null, exp ?? null, clock.now());
    }),
    put: (key, value, options = {}) => guarded('put', async () => {
      checkPutOptions(options);
      checkStoreWrites(NAME, [{ key, value, opts: options }]);
      const written = await run([{ key, value, opts: options }]);
      if (written) await collect(1);
      return written;
    }),
    putAll: (batch) => guarded('putAll', async () => {
      checkWrites(batch);
      checkStoreWrites(NAME, batch);
      const written = await run(batch);
      if (written) await collect(batch.length);
      return written;
    }),
    list: (listPrefix, options = {}) => guarded('list', async () => {
      checkText(NAME, 'prefix', listPrefix);
      if (options.after !== undefined) checkText(NAME, 'cursor', options.after);
      return listPage(client, keys, listPrefix, options.after, listLimit(options), clock.now());
    }),
    delete: (key) => guarded('delete', async () => {
      checkText(NAME, 'key', key);
      await remove(client, [keys.index, keys.expiring, keys.item(key)], [key]);
    }),
    check: () => guarded('check', async () => {
      await client.ping();
    }),
    async close() {
      if (!ownsClient) return;
      // QUIT waits for the server's reply; one that is down or not answering gets a hard close.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
