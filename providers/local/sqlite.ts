import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../shared/errors';

/**
 * Opens a SQLite database for the local provider. serverless-offline runs every function in its
 * own worker thread (and recycles them), so several connections, in several threads or processes,
 * share each file; these settings make that safe:
 * - WAL lets readers run while one writer commits (https://www.sqlite.org/wal.html);
 * - busy_timeout makes a writer wait for the lock instead of failing at once with SQLITE_BUSY;
 * - synchronous=FULL (the default here) fsyncs every commit, so "durably accepted" survives power
 *   loss, not only a crashed process; NORMAL survives a crashed process but may lose the last
 *   commits on power loss, and is for data whose loss only weakens a guarantee (the state store:
 *   a forgotten replay record lets a duplicate through, which at-least-once consumers absorb);
 * - foreign_keys is off by default in SQLite and must be enabled per connection.
 */
export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** How long a statement waits for another connection's write lock. */
  busyTimeoutMs?: number;
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * SQLite's "database is locked" (SQLITE_BUSY, after busy_timeout) is a transient condition of a
 * loaded machine: it becomes a 503 with Retry-After, not an unexplained 500.
 */
export function unlessBusy<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT') {
      throw new AppError('store_busy', 'Local storage is busy; retry shortly', { status: 503, retryable: true, headers: { 'retry-after': '1' }, cause: e });
    }
    throw e;
  }
}

export function openDatabase(path: string, opts: OpenOptions = {}): SqliteDatabase {
  const inMemory = path === ':memory:' || path === '';
  // The data directory (SECORCH_DATA_DIR, default .data/) may not exist on a fresh checkout.
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const timeout = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000));
  const db = new Database(path, { timeout });
  try {
    // busy_timeout first: switching to WAL needs a lock that another worker may be holding.
    db.pragma(`busy_timeout = ${timeout}`);
    if (!inMemory) toWal(db, timeout);
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

const isBusy = (e: unknown) => ['SQLITE_BUSY', 'SQLITE_LOCKED'].includes(String((e as { code?: unknown }).code));

/**
 * Switches a file to WAL (a setting the file keeps). While `npm start` brings up its processes
 * together, several connections open a new file at once, and SQLite answers the switch with
 * SQLITE_BUSY without calling the busy handler (it would risk a deadlock between connections
 * that each hold a shared lock), so the switch is retried here for up to the busy timeout.
 */
function toWal(db: SqliteDatabase, timeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 25) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!isBusy(e) || waited >= timeoutMs) throw e;
      Atomics.wait(pause, 0, 0, 25); // opening is synchronous in better-sqlite3: a blocking pause
    }
  }
}
