import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, openWith, whenFree } from './sqlite';

/**
 * openWith types only a schema SQLite refuses (SQLITE_ERROR) as store_incompatible, which stops a
 * worker for good. A set-up that fails for a passing reason (another connection's lock, a full
 * disk) must keep its own error, so that the worker is restarted or the caller retries.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secorch-sqlite-review-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

test('a set-up that finds the write lock held past the wait stays SQLITE_BUSY, not store_incompatible', () => {
  const path = join(dir, 'state.db');
  const holder = openDatabase(path);
  holder.exec('BEGIN IMMEDIATE');
  try {
    const e = thrown(() => openWith(path, { busyTimeoutMs: 10 }, (db) => whenFree(db, () => db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)'))));
    expect(e).toMatchObject({ code: 'SQLITE_BUSY' });
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
});

test('a set-up that finds the disk full is the retryable store_full, not store_incompatible', () => {
  const path = join(dir, 'state.db');
  const e = thrown(() => openWith(path, {}, (db) => {
    // SQLite answers SQLITE_FULL when the file may grow no more, exactly as on a full disk.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    whenFree(db, () => db.exec('CREATE TABLE t (x INTEGER)'));
  }));
  expect(e).toMatchObject({ code: 'store_full', retryable: true });
});
