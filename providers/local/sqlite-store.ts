import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type PutOptions, type StateStore, type StoredItem, type Write } from '../../shared/ports/store';
import { checkStoreWrites, checkText, expiryOf } from '../../shared/store/text-and-ttl';
import { openWith, type SqliteDatabase, unlessBusy, whenFree } from './sqlite';
import { writeGroup } from './sqlite-store-group';

/**
 * The local StateStore: one SQLite table shared by every worker thread and process that opens the
 * same file. Conditional puts are single statements, so SQLite's write lock makes each check and
 * write one atomic step: two connections can never both win `ifAbsent` or the same `ifVersion`.
 * Expiry is decided against the injected clock (expires_at <= now is gone), never the system
 * clock, so the TTL behaviour is testable and identical to the other stores.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv_items (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  version TEXT NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS kv_items_expiry ON kv_items (expires_at) WHERE expires_at IS NOT NULL;
`;

const LIVE = '(expires_at IS NULL OR expires_at > @now)';
/** Expired rows are invisible at once but deleted in small batches every this many writes. */
const CLEANUP_EVERY = 256;
const CLEANUP_BATCH = 500;

export interface SqliteStoreOptions {
  path: string;
  clock: Clock;
}

export type SqliteStore = StateStore & { close(): void };

/**
 * A write as it was when put or putAll was called, checked then: the commit comes a turn later
 * (sqlite-store-group.ts), and a caller reusing its array, write or options objects meanwhile
 * must not change what is written, nor slip a value past the checks (a NaN ttl never expires).
 */
const asCalled = (w: Write): Write => (isDelete(w) ? { key: w.key, delete: true } : { key: w.key, value: w.value, opts: { ...w.opts } });

/**
 * The store's name in argument errors. Lone surrogates are refused like everywhere
 * (shared/store/text-and-ttl.ts): SQLite keeps such a key apart (better-sqlite3 writes the
 * surrogate's three bytes) but lists it, and reads a value holding one, with U+FFFD in its place.
 */
const NAME = 'sqliteStore';

export function sqliteStore(opts: SqliteStoreOptions): SqliteStore {
  // NORMAL: see openDatabase; the events themselves (the queue) keep FULL.
  return openWith(opts.path, { synchronous: 'NORMAL' }, (db) => storeOn(db, opts.clock));
}

/** The store on an open connection: a throw here closes it (openWith). */
function storeOn(db: SqliteDatabase, clock: Clock): SqliteStore {
  whenFree(db, () => db.exec(SCHEMA));
  const selectLive = db.prepare<{ key: string; now: number }, { value: string; version: string; expires_at: number | null }>(
    `SELECT value, version, expires_at FROM kv_items WHERE key = @key AND ${LIVE}`,
  );
  const set = 'value = excluded.value, version = excluded.version, expires_at = excluded.expires_at';
  const values = 'INSERT INTO kv_items (key, value, version, expires_at) VALUES (@key, @value, @version, @expiresAt)';
  const upsert = db.prepare(`${values} ON CONFLICT (key) DO UPDATE SET ${set}`);
  // An expired row still occupies the key until cleanup; it must not block ifAbsent.
  const insertIfAbsent = db.prepare(
    `${values} ON CONFLICT (key) DO UPDATE SET ${set} WHERE kv_items.expires_at IS NOT NULL AND kv_items.expires_at <= @now`,
  );
  const updateIfVersion = db.prepare(
    `UPDATE kv_items SET value = @value, version = @version, expires_at = @expiresAt
     WHERE key = @key AND version = @ifVersion AND ${LIVE}`,
  );
  const remove = db.prepare('DELETE FROM kv_items WHERE key = ?');
  const cleanup = db.prepare(
    `DELETE FROM kv_items WHERE rowid IN (SELECT rowid FROM kv_items WHERE expires_at <= ? LIMIT ${CLEANUP_BATCH})`,
  );
  const ping = db.prepare('SELECT 1');
  // Prefix scan as a key range, so the primary key index serves it; the upper bound is the prefix
  // followed by the greatest code point (a key continuing with U+10FFFF itself is the one miss).
  const scan = db.prepare<{ lo: string; hi: string; after: string; now: number; limit: number }, { key: string; value: string; version: string; expires_at: number | null }>(
    `SELECT key, value, version, expires_at FROM kv_items
     WHERE key >= @lo AND key < @hi AND key > @after AND ${LIVE} ORDER BY key LIMIT @limit`,
  );
  const writeOne = (write: Write, now: number): boolean => {
    if (isDelete(write)) {
      remove.run(write.key);
      return true;
    }
    const options = write.opts ?? {};
    if (options.ifAbsent && options.ifVersion !== undefined) return false;
    const expiresAt = options.ttlSeconds === undefined ? null : expiryOf(now, options.ttlSeconds);
    // A random version, not a counter: a key deleted and re-created must not reuse a version
    // that a stale reader could still present to ifVersion.
    const row = { key: write.key, value: write.value, version: options.newVersion ?? randomUUID(), expiresAt };
    // Object.assign, not `{ ...row, now }`: on Node 20's V8 each key added to a spread copy costs
    // about half a microsecond, and every conditional write passes here.
    if (options.ifAbsent) return insertIfAbsent.run(Object.assign(row, { now })).changes === 1;
    if (options.ifVersion !== undefined) return updateIfVersion.run(Object.assign(row, { now, ifVersion: options.ifVersion })).changes === 1;
    return upsert.run(row).changes === 1;
  };
  let writes = 0;
  // Housekeeping only: expired rows are already invisible, so a busy lock here must not fail
  // the open or a put that has already committed.
  const sweep = (now: number) => {
    try {
      cleanup.run(now);
    } catch {
      /* retried at the next sweep */
    }
  };
  /** Counts `n` writes and sweeps each time the count passes a multiple of CLEANUP_EVERY, by put or putAll. */
  const wrote = (n: number, now: number) => {
    const before = writes;
    writes += n;
    if (Math.floor(before / CLEANUP_EVERY) !== Math.floor(writes / CLEANUP_EVERY)) sweep(now);
  };

  // Puts and batches of one event-loop turn share a commit (sqlite-store-group.ts); every other
  // operation commits what is queued first, so it sees the writes called before it.
  const group = writeGroup(db, writeOne, wrote);

  sweep(clock.now());
  return {
    async get(key) {
      checkText(NAME, 'key', key);
      group.flush();
      const row = unlessBusy(db, () => selectLive.get({ key, now: clock.now() }));
      if (!row) return undefined;
      const item: StoredItem = { value: row.value, version: row.version };
      if (row.expires_at !== null) item.expiresAt = row.expires_at;
      return item;
    },
    async put(key: string, value: string, options: PutOptions = {}) {
      checkPutOptions(options);
      const write = { key, value, opts: { ...options } };
      checkStoreWrites(NAME, [write]);
      return group.add([write], clock.now());
    },
    async putAll(batch) {
      checkWrites(batch);
      checkStoreWrites(NAME, batch);
      // The delivery worker writes through putAll only: its expired rows are swept after these commits too.
      return group.add(batch.map(asCalled), clock.now());
    },
    async list(prefix, opts = {}) {
      checkText(NAME, 'prefix', prefix);
      if (opts.after !== undefined) checkText(NAME, 'cursor', opts.after);
      group.flush();
      const limit = listLimit(opts);
      const rows = unlessBusy(db, () => scan.all({ lo: prefix, hi: `${prefix}\u{10FFFF}`, after: opts.after ?? '', now: clock.now(), limit: limit + 1 }));
      const items = rows.slice(0, limit).filter((r) => r.key.startsWith(prefix)).map((r) => {
        const item: StoredItem & { key: string } = { key: r.key, value: r.value, version: r.version };
        if (r.expires_at !== null) item.expiresAt = r.expires_at;
        return item;
      });
      return rows.length > limit ? { items, next: rows[limit - 1]!.key } : { items };
    },
    async delete(key) {
      checkText(NAME, 'key', key);
      group.flush();
      unlessBusy(db, () => remove.run(key));
    },
    async check() {
      group.flush();
      ping.get();
    },
    close() {
      group.flush();
      db.close();
    },
  };
}
