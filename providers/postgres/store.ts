import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type StateStore, type StoredItem, type Write } from '../../shared/ports/store';
import { checkStoreWrites, checkText, expiryOf } from '../../shared/store/text-and-ttl';
import { once } from '../common/once';
import { guarded } from './errors';
import { openPool, type PostgresTimeouts } from './pool';

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

const TABLE_NAME = /^(?:[a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;
const live = (now: string) => `(expires_at IS NULL OR expires_at > ${now})`;
const GC_EVERY = 256;
const GC_BATCH = 500;
const DEFAULT_GC_MARGIN_MS = 3_600_000;
/**
 * Deadlocks and serialization failures are retried: the write then re-checks its conditions
 * against what the other transaction committed. Serialization failures also hit single
 * statements where the database or role defaults to REPEATABLE READ or SERIALIZABLE
 * (default_transaction_isolation): two ifAbsent puts of one key then fail instead of waiting.
 */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;
/**
 * A random pause before each retry, up to 4, 8, 16, 32 ms: racers that all failed together and
 * came back at once would fail together again. One still failing after that is contention (503,
 * errors.ts).
 */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** (attempt + 1)));

async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has((e as { code?: string }).code ?? '')) throw e;
      await backoff(attempt);
    }
  }
}

type Queryable = Pick<Pool | PoolClient, 'query'>;
type Row = { key: string; value: string; version: string; expires_at: string | null };

/** The smallest string above every string starting with `prefix`, in code point order. */
export function prefixEnd(prefix: string): string | undefined {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const cp = chars.pop()!.codePointAt(0)!;
    if (cp === 0x10ffff) continue;
    return chars.join('') + String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp + 1);
  }
  return undefined;
}

const quote = (table: string) => table.split('.').map((part) => `"${part}"`).join('.');
const NAME = 'postgresStore';
const hasNul = (text: string) => text.includes('\u0000');
/** A put of U+0000; a delete of such a key has nothing to remove (writeOne skips it). */
const refuseNul = (w: Write) => {
  if (!isDelete(w) && (hasNul(w.key) || hasNul(w.value))) {
    throw new TypeError('postgresStore: PostgreSQL text cannot hold U+0000 in a key or value');
  }
};
const toItem = (row: Omit<Row, 'key'>): StoredItem => {
  const item: StoredItem = { value: row.value, version: row.version };
  if (row.expires_at !== null) item.expiresAt = Number(row.expires_at);
  return item;
};

export function postgresStore(opts: PostgresStoreOptions): PostgresStore {
  const { clock } = opts;
  const table = opts.table ?? 'secorch_state';
  if (!TABLE_NAME.test(table)) throw new RangeError(`postgresStore: invalid table name "${table}"`);
  if (!opts.pool && !opts.connectionString) throw new TypeError('postgresStore: connectionString or pool is required');
  const ownsPool = !opts.pool;
  const pool = opts.pool ?? openPool(opts.connectionString!, opts);
  // An idle connection dropped by the server is reported on the pool; unhandled, it would end
  // the process. The next query opens a new connection, and a failing query still rejects.
  if (ownsPool) pool.on('error', () => undefined);
  const gcMargin = opts.gcMarginMs ?? DEFAULT_GC_MARGIN_MS;
  const t = quote(table);
  const index = quote(`${table.replace(/.*\./, '')}_expires_at`);
  // An index lives in its table's schema: the name to look it up by.
  const indexPath = table.includes('.') ? `${quote(table.replace(/\..*/, ''))}.${index}` : index;

  // Parameters: $1 key, $2 value, $3 version, $4 expires_at, $5 now, $6 expected version.
  const cols = `INSERT INTO ${t} (key, value, version, expires_at) VALUES ($1, $2, $3, $4)`;
  const set = 'SET value = EXCLUDED.value, version = EXCLUDED.version, expires_at = EXCLUDED.expires_at';
  const sql = {
    get: `SELECT value, version, expires_at FROM ${t} WHERE key = $1 AND ${live('$2')}`,
    upsert: `${cols} ON CONFLICT (key) DO UPDATE ${set}`,
    ifAbsent: `${cols} ON CONFLICT (key) DO UPDATE ${set} WHERE ${t}.expires_at IS NOT NULL AND ${t}.expires_at <= $5`,
    ifVersion: `UPDATE ${t} SET value = $2, version = $3, expires_at = $4 WHERE key = $1 AND ${live('$5')} AND version = $6`,
    // The range serves the prefix from the primary key index; starts_with states the intent.
    list: `SELECT key, value, version, expires_at FROM ${t}
           WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND starts_with(key, $1)
             AND ($3::text IS NULL OR key > $3) AND ${live('$4')} ORDER BY key LIMIT $5`,
    delete: `DELETE FROM ${t} WHERE key = $1`,
    // The outer condition is not redundant: a row the subquery picked and a concurrent write
    // then made live again is re-checked against its new version (READ COMMITTED re-evaluates
    // the DELETE's own WHERE after the wait), so collection never deletes a live item.
    gc: `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= $1 LIMIT ${GC_BATCH}) AND expires_at <= $1`,
  };

  // Created at first use unless it exists; a failure is retried at the next call (once). The
  // look comes first because CREATE ... IF NOT EXISTS checks privileges before existence: a role
  // without CREATE on the schema (the default on public since PostgreSQL 15) or not owning the
  // table would fail on a table that is there.
  const ensureTable = once(async (): Promise<void> => {
    const { rows } = await pool.query<{ table: boolean; index: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS table, to_regclass($2) IS NOT NULL AS index', [t, indexPath]);
    if (rows[0]?.table && rows[0].index) return;
    try {
      if (!rows[0]?.table) {
        await pool.query(`CREATE TABLE IF NOT EXISTS ${t} (
          key text COLLATE "C" PRIMARY KEY, value text NOT NULL, version text NOT NULL, expires_at bigint)`);
      }
      await pool.query(`CREATE INDEX IF NOT EXISTS ${index} ON ${t} (expires_at) WHERE expires_at IS NOT NULL`);
    } catch (e) {
      // Two processes creating the same table at once: one gets a unique violation on the
      // catalog (23505), "relation already exists" (42P07) or, for the table's row type, "type
      // already exists" (42710, duplicate_object); either way the table is there. A table made
      // beforehand without the index, by another role (42501 insufficient_privilege): the index
      // only speeds up garbage collection, which then scans the table.
      const code = (e as { code?: string }).code;
      if (code !== '23505' && code !== '42P07' && code !== '42710' && !(code === '42501' && rows[0]?.table)) throw e;
    }
  });

  /** One write as one statement; true when its condition held and the row was written (a delete: always). */
  const writeOne = async (db: Queryable, w: Write, now: number): Promise<boolean> => {
    refuseNul(w);
    if (isDelete(w)) {
      if (!hasNul(w.key)) await db.query(sql.delete, [w.key]); // unconditional: an absent key is no error
      return true;
    }
    const o: PutOptions = w.opts ?? {};
    if (o.ifAbsent && o.ifVersion !== undefined) return false; // no live item has a version
    const expiresAt = o.ttlSeconds === undefined ? null : expiryOf(now, o.ttlSeconds);
    // The caller's newVersion, else a random one, never a counter: a key deleted and re-created
    // must not reuse one.
    const row = [w.key, w.value, o.newVersion ?? randomUUID(), expiresAt];
    if (o.ifVersion !== undefined) return (await db.query(sql.ifVersion, [...row, now, o.ifVersion])).rowCount === 1;
    if (o.ifAbsent) return (await db.query(sql.ifAbsent, [...row, now])).rowCount === 1;
    return (await db.query(sql.upsert, row)).rowCount === 1;
  };

  // A random start: each write crosses an interval boundary with odds 1 in GC_EVERY, whatever
  // the instance's lifetime.
  let writes = Math.floor((opts.random ?? Math.random)() * GC_EVERY);
  const collect = async (count: number, now: number) => {
    const before = writes;
    writes += count;
    if (Math.floor(before / GC_EVERY) === Math.floor(writes / GC_EVERY)) return;
    await pool.query(sql.gc, [now - gcMargin]).catch(() => undefined); // housekeeping only
  };

  const transaction = async (batch: readonly Write[], now: number): Promise<boolean> => {
    const client = await pool.connect();
    let broken: unknown;
    // The pool listens for errors only on idle clients: a checked-out client whose connection
    // the server ends (failover, pg_terminate_backend) emits 'error' with no listener, which
    // would end the process. The query under way rejects with the same error; keep it for
    // release, which then discards the connection.
    const onError = (e: unknown) => (broken ??= e);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      for (const w of batch) {
        if (!(await writeOne(client, w, now))) {
          await client.query('ROLLBACK');
          return false;
        }
      }
      await client.query('COMMIT');
      return true;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
      throw e;
    } finally {
      client.removeListener('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  };

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
      const written = await retrying(() => writeOne(pool, { key, value, opts: options }, now));
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
      const ok = await retrying(() => transaction(ordered, now));
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
      await pool.query(`SELECT 1 FROM ${t} LIMIT 1`);
    }),
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
