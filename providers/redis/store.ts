import { createHash, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { type Clock, systemClock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type StateStore, type StoredItem, type Write } from '../../shared/ports/store';
import { checkStoreWrites, checkText, expiryOf } from '../../shared/store/text-and-ttl';
import { openClient, type RedisTimeouts } from './client';
import { guarded } from './errors';

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
const FIELDS_PER_WRITE = 7;
const GC_EVERY = 256;
const GC_BATCH = 500;
const NAME = 'redisStore';

/**
 * KEYS[1] the index, KEYS[2] the expiry set, KEYS[2 + i] item i. ARGV[1] now, then per write:
 * op ('put' | 'delete'), member, value, version, exp ('' for none), condition ('' | 'absent' |
 * 'version:<v>'), gcAt ('' for none). A delete has no condition and '' in every field after its
 * member. An item with a gcAt has its member in the expiry set, scored by it; others have none.
 */
const WRITE_ALL = `
local now = tonumber(ARGV[1])
local n = #KEYS - 2
local function live_version(key)
  local r = redis.call('HMGET', key, 'ver', 'exp')
  if not r[1] then return false end
  if r[2] and r[2] ~= '' and tonumber(r[2]) <= now then return false end
  return r[1]
end
-- A resend of this very batch (the connection dropped before the reply, and ioredis sends
-- unanswered commands again on the new one): every put carries a fresh version, so a put's key
-- already holding it means the batch ran, whole. Answer as the first run did, writing nothing.
for i = 1, n do
  local a = 1 + (i - 1) * ${FIELDS_PER_WRITE}
  if ARGV[a + 1] == 'put' then
    if redis.call('HGET', KEYS[2 + i], 'ver') == ARGV[a + 4] then return 1 end
    break
  end
end
for i = 1, n do
  local cond = ARGV[1 + (i - 1) * ${FIELDS_PER_WRITE} + 6]
  if cond ~= '' then
    local current = live_version(KEYS[2 + i])
    if cond == 'absent' then
      if current then return 0 end
    elseif current ~= string.sub(cond, 9) then
      return 0
    end
  end
end
for i = 1, n do
  local a = 1 + (i - 1) * ${FIELDS_PER_WRITE}
  local key = KEYS[2 + i]
  if ARGV[a + 1] == 'delete' then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], ARGV[a + 2])
    redis.call('ZREM', KEYS[2], ARGV[a + 2])
  else
    redis.call('HSET', key, 'v', ARGV[a + 3], 'ver', ARGV[a + 4], 'exp', ARGV[a + 5])
    if ARGV[a + 7] == '' then
      redis.call('PERSIST', key)
      redis.call('ZREM', KEYS[2], ARGV[a + 2])
    else
      redis.call('PEXPIREAT', key, ARGV[a + 7])
      redis.call('ZADD', KEYS[2], ARGV[a + 7], ARGV[a + 2])
    end
    redis.call('ZADD', KEYS[1], 0, ARGV[a + 2])
  end
end
return 1
`;

/**
 * KEYS[1] the index, KEYS[2] the expiry set, KEYS[2 + i] item i, ARGV[i] its member: drops the
 * members whose item is gone. An item still there (written again since it was read, or not yet
 * expired by a Redis clock behind ours) keeps both entries, for a later sweep.
 */
const PRUNE = `
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('ZREM', KEYS[1], ARGV[i - 2])
    redis.call('ZREM', KEYS[2], ARGV[i - 2])
  end
end
return 0
`;

const DELETE = `
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`;

/** EVALSHA with a fallback to EVAL when the server's script cache does not have it yet. */
function script(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
      return client.eval(source, keys.length, ...keys, ...args);
    }
  };
}
const writeAll = script(WRITE_ALL);
const prune = script(PRUNE);
const remove = script(DELETE);

export function redisStore(opts: RedisStoreOptions): RedisStore {
  const { clock } = opts;
  if (!opts.client && !opts.url) throw new TypeError('redisStore: url or client is required');
  const ownsClient = !opts.client;
  const client = opts.client ?? openClient(opts.url!, opts);
  const prefix = opts.prefix ?? 'secorch:';
  const gcMargin = opts.gcMarginMs ?? DEFAULT_GC_MARGIN_MS;
  const index = `${prefix}idx`;
  const expiring = `${prefix}exp`;
  const itemKey = (key: string) => `${prefix}i:${key}`;

  const toItem = (v: string | null, ver: string | null, exp: string | null, now: number): StoredItem | undefined => {
    if (v === null || ver === null) return undefined;
    if (exp && Number(exp) <= now) return undefined;
    const item: StoredItem = { value: v, version: ver };
    if (exp) item.expiresAt = Number(exp);
    return item;
  };

  const run = async (batch: readonly Write[]): Promise<boolean> => {
    const now = clock.now();
    const args: (string | number)[] = [now];
    for (const w of batch) {
      if (isDelete(w)) {
        args.push('delete', w.key, '', '', '', '', '');
        continue;
      }
      const { key, value, opts: o = {} } = w;
      if (o.ifAbsent && o.ifVersion !== undefined) return false; // no live item has a version
      const exp = o.ttlSeconds === undefined ? '' : expiryOf(now, o.ttlSeconds);
      // Garbage collection by the real clock, well after the injected clock's expiry. A whole
      // number within the TTL limit: a PEXPIREAT the server refuses would stop the script after
      // the writes before it, half a batch (Redis does not roll a script back).
      const gcAt = exp === '' || gcMargin === false ? '' : Math.ceil(expiryOf(systemClock.now(), o.ttlSeconds!) + gcMargin);
      const cond = o.ifAbsent ? 'absent' : o.ifVersion !== undefined ? `version:${o.ifVersion}` : '';
      // The caller's newVersion, else a random one, never a counter: a key deleted and re-created
      // must not reuse one.
      args.push('put', key, value, o.newVersion ?? randomUUID(), exp, cond, gcAt);
    }
    return (await writeAll(client, [index, expiring, ...batch.map((w) => itemKey(w.key))], args)) === 1;
  };

  const dropGone = (members: string[]) => prune(client, [index, expiring, ...members.map(itemKey)], members);

  // A random start: each write crosses an interval boundary with odds 1 in GC_EVERY, whatever
  // the instance's lifetime.
  let writes = Math.floor((opts.random ?? Math.random)() * GC_EVERY);
  /** Every GC_EVERY writes: the index entries of items whose native expiry has passed (housekeeping only). */
  const collect = async (count: number) => {
    const before = writes;
    writes += count;
    if (gcMargin === false || Math.floor(before / GC_EVERY) === Math.floor(writes / GC_EVERY)) return;
    try {
      const due = await client.zrangebyscore(expiring, '-inf', systemClock.now(), 'LIMIT', 0, GC_BATCH);
      if (due.length > 0) await dropGone(due);
    } catch {
      // The next sweep, or a list of the prefix, tries again.
    }
  };

  return {
    get: (key) => guarded('get', async () => {
      checkText(NAME, 'key', key);
      const [v, ver, exp] = await client.hmget(itemKey(key), 'v', 'ver', 'exp');
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
      const limit = listLimit(options);
      const now = clock.now();
      // Byte-wise bounds: every UTF-8 continuation of the prefix sorts below the byte 0xFF,
      // which never occurs in UTF-8, so [prefix, prefix + 0xFF) is exactly the prefix's keys.
      const max = Buffer.concat([Buffer.from(`(${listPrefix}`), Buffer.from([0xff])]);
      const after = options.after;
      let min: string = after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(listPrefix)) >= 0 ? `(${after}` : `[${listPrefix}`;
      const items: ListedItem[] = [];
      const batchSize = Math.min(limit + 1, 500);
      for (;;) {
        const members = await client.zrangebylex(index, min, max, 'LIMIT', 0, batchSize);
        if (members.length === 0) break;
        const pipeline = client.pipeline();
        for (const m of members) pipeline.hmget(itemKey(m), 'v', 'ver', 'exp');
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
        if (gone.length > 0) await dropGone(gone);
        if (items.length > limit || members.length < batchSize) break;
        min = `(${members[members.length - 1]}`;
      }
      const page = items.slice(0, limit);
      return items.length > limit ? { items: page, next: page[page.length - 1]!.key } : { items: page };
    }),
    delete: (key) => guarded('delete', async () => {
      checkText(NAME, 'key', key);
      await remove(client, [index, expiring, itemKey(key)], [key]);
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
