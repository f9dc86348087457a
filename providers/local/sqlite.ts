import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens a SQLite database for the local provider. serverless-offline runs every function in its
 * own worker thread (and recycles them), so several connections, in several threads or processes,
 * share each file; these settings make that safe:
 * - WAL lets readers run while one writer commits (https://www.sqlite.org/wal.html);
 * - busy_timeout makes a writer wait for the lock instead of failing at once with SQLITE_BUSY;
 * - synchronous=FULL fsyncs every commit, so "durably accepted" survives power loss, not only a
 *   crashed process (NORMAL would be faster but may lose the last commits in WAL mode);
 * - foreign_keys is off by default in SQLite and must be enabled per connection.
 */
export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** How long a statement waits for another connection's write lock. */
  busyTimeoutMs?: number;
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
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}
