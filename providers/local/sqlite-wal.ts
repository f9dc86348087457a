import { statSync } from 'node:fs';
import type { SqliteDatabase } from './sqlite';

/**
 * Keeps the WAL of a file that several processes read and write without pause from growing
 * without bound. SQLite's automatic checkpoint runs after a commit that leaves the WAL over 1000
 * pages, but it is PASSIVE: it copies frames back only up to the oldest snapshot a reader still
 * holds, and the WAL starts over only once a checkpoint copied all of it. With the router,
 * delivery and inbox workers and serverless-offline each polling, a read is nearly always in
 * progress, so no checkpoint ever completes and state.db-wal grows by every commit ("checkpoint
 * starvation", https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files): 228 MB of
 * WAL for 60 MB written, with three processes reading.
 *
 * So every WAL_CHECK_EVERY operations a connection looks at the WAL's size and, past the limit,
 * runs a TRUNCATE checkpoint: it waits for the readers of older snapshots to finish (each read
 * is short; new ones then read from the database file), copies everything back and empties the
 * WAL. journal_size_limit cuts the WAL file back to the limit whenever an ordinary checkpoint
 * starts it over, so a single burst does not leave a large file behind either.
 */
const WAL_CHECK_EVERY = 64;
/** How long one forced checkpoint waits for readers and writers; a checkpoint not done by then is tried at the next check. */
const CHECKPOINT_WAIT_MS = 250;

interface Wal { path: string; maxBytes: number; calls: number }
const wals = new WeakMap<SqliteDatabase, Wal>();
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** Sets the limit for a connection to the database file at `dbPath` (an absolute path). */
export function watchWal(db: SqliteDatabase, dbPath: string, maxBytes: number): void {
  const limit = Math.max(0, Math.trunc(maxBytes));
  db.pragma(`journal_size_limit = ${limit}`);
  wals.set(db, { path: `${dbPath}-wal`, maxBytes: limit, calls: 0 });
}

/**
 * Called after each operation (whenFree). Housekeeping only: it never throws, so an operation
 * that succeeded does not fail because of it.
 */
export function keepWalSmall(db: SqliteDatabase): void {
  const wal = wals.get(db);
  // Inside a transaction a checkpoint cannot run (and the caller still holds its snapshot).
  if (!wal || ++wal.calls % WAL_CHECK_EVERY !== 0 || db.inTransaction || !db.open) return;
  let size: number;
  try {
    size = statSync(wal.path, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return;
  }
  if (size <= wal.maxBytes) return;
  const deadline = performance.now() + CHECKPOINT_WAIT_MS;
  for (let pauseMs = 0.05; ; pauseMs = Math.min(pauseMs * 2, 2)) {
    try {
      // No busy handler here (see openDatabase): a lock or reader in the way answers busy = 1 at once.
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result?.busy === 0) return;
    } catch {
      return;
    }
    if (performance.now() >= deadline) return;
    Atomics.wait(pauseCell, 0, 0, pauseMs * (0.5 + Math.random()));
  }
}
