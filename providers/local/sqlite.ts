import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { foreignDatabaseError, sqliteFileError } from './sqlite-errors';
import { createPrivateFile, makeDatabaseFolder } from './sqlite-files';
import { keepWalSmall, watchWal } from './sqlite-wal';

/**
 * Opens a SQLite database for the local provider. Several connections share each file: every
 * function bundle under serverless-offline opens its own (in the emulator's process under
 * `npm start`, in a worker thread per concurrent invocation when serverless-offline runs on its
 * own), and the router, delivery and inbox workers are processes of their own. These settings
 * make that safe:
 * - WAL lets readers run while one writer commits (https://www.sqlite.org/wal.html);
 * - an operation that finds the write lock taken waits for it (whenFree) instead of failing;
 * - synchronous=FULL (the default here) fsyncs every commit, so "durably accepted" survives power
 *   loss, not only a crashed process; NORMAL survives a crashed process but may lose the last
 *   commits on power loss, and is for data whose loss only weakens a guarantee (the state store:
 *   a forgotten replay record lets a duplicate through, which at-least-once consumers absorb);
 * - foreign_keys is off by default in SQLite and must be enabled per connection;
 * - readers that never pause would starve SQLite's checkpoints and let the WAL grow for ever:
 *   each connection starts it over past maxWalBytes (sqlite-wal.ts);
 * - a damaged file, a full disk or a file that cannot be opened is an error that names the file
 *   and what to do (sqlite-errors.ts), at open and from every operation run through whenFree;
 * - a file it creates is its owner's only (0600, and so are its -wal and -shm), as is a folder it
 *   creates for it (0700): sqlite-files.ts;
 * - a connection whose set-up fails is closed before the error goes up (openWith).
 */
export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** How long an operation run through whenFree waits for another connection's write lock. */
  busyTimeoutMs?: number;
  synchronous?: 'FULL' | 'NORMAL';
  /** Open an existing file only: neither the file nor its folder is created. */
  mustExist?: boolean;
  /** The WAL size (bytes) past which this connection starts the WAL over: see keepWalSmall. */
  maxWalBytes?: number;
}

/** 16 times what SQLite's automatic checkpoint (every 1000 pages of 4 KiB) lets the WAL reach. */
export const MAX_WAL_BYTES = 64 * 1024 * 1024;

export function openDatabase(path: string, opts: OpenOptions = {}): SqliteDatabase {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory && !opts.mustExist) {
    // The data directory (SECORCH_DATA_DIR, default .data/) may not exist on a fresh checkout.
    makeDatabaseFolder(path);
    // 0600 for the file and, from it, its -wal and -shm: the store holds sealed secrets and raw bodies.
    createPrivateFile(path);
  }
  let db: SqliteDatabase;
  try {
    // SQLite's own busy handler stays off (timeout 0): whenFree waits instead.
    db = new Database(path, { timeout: 0, fileMustExist: opts.mustExist === true });
  } catch (e) {
    throw (inMemory ? undefined : sqliteFileError(path, e)) ?? e;
  }
  waitLimits.set(db, Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000)));
  try {
    // While `npm start` brings up its processes together, several connections open a new file
    // at once, and the switch to WAL (a setting the file keeps) needs a lock another may hold.
    if (!inMemory) whenFree(db, () => db.pragma('journal_mode', { simple: true }) === 'wal' || db.pragma('journal_mode = WAL'));
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    if (!inMemory) watchWal(db, resolve(path), opts.maxWalBytes ?? MAX_WAL_BYTES);
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    // whenFree has named the file; the pragmas outside it are named here.
    throw (inMemory ? undefined : sqliteFileError(path, e)) ?? e;
  }
  return db;
}

/**
 * openDatabase, then `setUp` on the new connection (the schema, the prepared statements): what a
 * store is built from. When the set-up throws, the connection is closed before the error goes up:
 * nobody else holds it, and until the garbage collector finds it, the file, its -wal and -shm
 * would stay open, one more set of them each time the open is tried again (every schedule tick
 * and request that opens the store). A schema SQLite refuses (another program's database) is
 * store_incompatible (sqlite-errors.ts).
 */
export function openWith<T>(path: string, opts: OpenOptions, setUp: (db: SqliteDatabase) => T): T {
  const db = openDatabase(path, opts);
  try {
    return setUp(db);
  } catch (e) {
    try {
      db.close();
    } catch {
      // The set-up's error is the one to report.
    }
    throw (path === ':memory:' || path === '' ? undefined : foreignDatabaseError(path, e)) ?? e;
  }
}

/** How long whenFree waits on each connection (OpenOptions.busyTimeoutMs). */
const waitLimits = new WeakMap<SqliteDatabase, number>();
const isBusy = (e: unknown) => String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY');
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `run` (one statement or one transaction: after SQLITE_BUSY it has been rolled back and is
 * safe to run again) and, while another connection holds the lock, runs it again after a short
 * pause, for up to the connection's busyTimeoutMs; then the SQLITE_BUSY error is thrown.
 *
 * Written here because SQLite's busy_timeout, the only busy handler better-sqlite3 offers, sleeps
 * 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between tries (sqliteDefaultBusyCallback)
 * while a local commit holds the lock for well under a millisecond: with ten Lambda workers
 * writing one file under load, waiters slept on a lock that was long free, and requests took
 * 40 to 800 ms. Here the pause starts at 50 µs and doubles up to 2 ms, with jitter so that waiters
 * do not retry in step. It blocks the thread, as SQLite's sleep did: better-sqlite3 is synchronous.
 * Any other error about the file itself is thrown named (sqliteFileError); after a success the
 * WAL is looked after (keepWalSmall).
 */
export function whenFree<T>(db: SqliteDatabase, run: () => T): T {
  const deadline = performance.now() + (waitLimits.get(db) ?? 0);
  for (let pauseMs = 0.05; ; pauseMs = Math.min(pauseMs * 2, 2)) {
    let result: T;
    try {
      result = run();
    } catch (e) {
      if (!isBusy(e)) throw sqliteFileError(db.name, e) ?? e;
      if (performance.now() >= deadline) throw e;
      Atomics.wait(pauseCell, 0, 0, pauseMs * (0.5 + Math.random()));
      continue;
    }
    keepWalSmall(db);
    return result;
  }
}

/**
 * whenFree for the state store: "database is locked" past the wait is a transient condition of a
 * loaded machine, so it becomes a 503 with Retry-After, not an unexplained 500.
 */
export function unlessBusy<T>(db: SqliteDatabase, run: () => T): T {
  try {
    return whenFree(db, run);
  } catch (e) {
    if (isBusy(e) || (e as { code?: unknown }).code === 'SQLITE_LOCKED') {
      throw new AppError('store_busy', 'Local storage is busy; retry shortly', {
        status: 503, retryable: true, headers: { 'retry-after': '1' }, cause: e,
        // Shown as it is: unexposed, a 5xx is rendered as a bare 500 without Retry-After.
        expose: true,
      });
    }
    throw e;
  }
}
