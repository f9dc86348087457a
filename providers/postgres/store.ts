import type { Pool } from 'pg';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, listLimit, type ListedItem, type StateStore } from '../../shared/ports/store';
import { checkStoreWrites, checkText } from '../../shared/store/text-and-ttl';
import { guarded } from './errors';
import { openPool, type PostgresTimeouts } from './pool';
import { tableEnsurer } from './store-schema';
import { hasNul, prefixEnd, refuseNul, type Row, storeSql, toItem } from './store-sql';
import { sweeper } from './store-sweep';
import { retrying, transaction, writeOne } from './store-write';

export { prefixEnd } from './store-sql';

/**
 * StateStore on PostgreSQL: one row per key in one table, created IF NOT EXISTS at first use
 * (the role needs CREATE on the schema once; afterwards, or on a table made beforehand with
 * this layout, SELECT/INSERT/UPDATE/DELETE suffice):
 *
 *   (key text PRIMARY KEY COLLATE "C", value text NOT NULL, version text NOT NULL, expires_at bigint)
 *
 * Every conditional write is one statement, so PostgreSQL's row locks make check and write one
 * step under READ COMMITTED: `INSERT ... ON CONFLICT DO UPDATE ... WHERE <expired>` for ifAbsent
 * (an expired row must not block) and `UPDATE ... WHERE version = $v AND <live>` for ifVersion;
 * a concurrent writer waits for the row and re-checks the condition against the committed row
 * (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED).
 * Expiry is judged by the injected clock only (expires_at <= now is gone). `COLLATE "C"` orders
 * keys by UTF-8 bytes, i.e. by code point. Text cannot hold U+0000: such keys or values are
 * refused with a TypeError before reaching the server, and reads find no such key.
 */
export interface PostgresStoreOptions extends PostgresTimeouts {
  /** e.g. postgres://user@127.0.0.1:5432/db; or pass a pool the caller owns (and ends). */
  connectionString?: string;
  pool?: Pool;
  /** Table name, optionally schema-qualified; lower-case identifiers only. */
  table?: string;
  clock: Clock;
  /**
   * Rows expired longer than this (by the injected clock) are deleted in small batches every few
   * hundred writes: garbage collection only, with room for clock skew between instances.
   */
  gcMarginMs?: number;
  /**
   * Where this instance's write count starts, as a fraction of the collection interval (default
   * random). Short-lived instances (a function that writes a dozen times and is recycled) would
   * never reach the interval if every one counted from zero.
   */
  random?: () => number;
}

export type PostgresStore = StateStore & { close(): Promise<void> };

const NAME = 'postgresStore';

/**
 * The store's parts, beside this file: store-sql.ts (statements, row decoding, U+0000),
 * store-schema.ts (table created at first use), store-write.ts (conditional writes, batches,
 * retries), store-sweep.ts (garbage collection of expired rows).
 */
export function postgresStore(opts: PostgresStoreOptions): PostgresStore {
  const { clock } = opts;
  const sql = storeSql(opts.table ?? 'secorch_state');
  if (!opts.pool && !opts.connectionString) throw new TypeError('postgresStore: connectionString or pool is required');
  const ownsPool = !opts.pool;
  const pool = opts.pool ?? openPool(opts.connectionString!, opts);
  // An idle connection dropped by the server is reported on the pool; unhandled, it would end
  // the process. The next query opens a new connection, and a failing query still rejects.
  if (ownsPool) pool.on('error', () => undefined);
  const ensureTable = tableEnsurer(pool, sql);
  const collect = sweeper(pool, sql, opts);

  return {
    get: (key) => guarded('get', async () => {
      checkText(NAME, 'key', key);
      if (hasNul(key)) return undefined;
      await ensureTable();
      const { rows } = await pool.query<Omit<Row, 'key'>>(sql.get, [key, clock.now()]);
      return rows[0] ? toItem(rows[0]) : undefined;
    }),
    put: (key, value, options = {}) => guarded('put', async () => {
      checkPutOptions(options);
      checkStoreWrites(NAME, [{ key, value, opts: options }]);
      await ensureTable();
      const now = clock.now();
      const written = await retrying(() => writeOne(pool, sql, { key, value, opts: options }, now));
      if (written) await collect(1, now);
      return written;
    }),
    putAll: (batch) => guarded('putAll', async () => {
      checkWrites(batch);
      checkStoreWrites(NAME, batch);
      batch.forEach(refuseNul);
      await ensureTable();
      // One lock order for every batch (sorted keys), so overlapping batches wait, not deadlock.
      const ordered = [...batch].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const now = clock.now();
      const ok = await retrying(() => transaction(pool, sql, ordered, now));
      if (ok) await collect(batch.length, now);
      return ok;
    }),
    list: (prefix, options = {}) => guarded('list', async () => {
      checkText(NAME, 'prefix', prefix);
      if (options.after !== undefined) checkText(NAME, 'cursor', options.after);
      if (hasNul(prefix)) return { items: [] };
      await ensureTable();
      const limit = listLimit(options);
      // No key holds U+0000, so every key after `x\u0000...` is after `x` too, and none equals it.
      const nul = options.after?.indexOf('\u0000') ?? -1;
      const after = nul >= 0 ? options.after!.slice(0, nul) : options.after ?? null;
      const { rows } = await pool.query<Row>(sql.list, [prefix, prefixEnd(prefix) ?? null, after, clock.now(), limit + 1]);
      const items: ListedItem[] = rows.slice(0, limit).map((r) => ({ key: r.key, ...toItem(r) }));
      return rows.length > limit ? { items, next: items[items.length - 1]!.key } : { items };
    }),
    delete: (key) => guarded('delete', async () => {
      checkText(NAME, 'key', key);
      if (hasNul(key)) return;
      await ensureTable();
      await pool.query(sql.delete, [key]);
    }),
    check: () => guarded('check', async () => {
      await ensureTable();
      await pool.query(sql.check);
    }),
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
