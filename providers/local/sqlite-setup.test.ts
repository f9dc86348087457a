import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports/clock';
import { sqliteQueue } from './sqlite-queue';
import { sqliteStore } from './sqlite-store';

/**
 * A path that names another program's SQLite database (a mistyped `store.path`, a data directory
 * shared with another tool): the file opens, but our schema does not fit its tables. The open
 * must fail with an error that names the file and says what to do, and leave no connection
 * behind: every retry (a schedule tick, a request) would otherwise keep the file and its -wal
 * and -shm open until the garbage collector finds the handle.
 */
const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
let dir: string;
beforeEach(() => {
  // Real path: /proc names a file by it.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'secorch-sqlite-setup-')));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The descriptors this process holds on the database file and the -wal and -shm beside it (Linux's /proc). */
const openFds = (path: string): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target === path || target.startsWith(`${path}-`) ? [target] : [];
    } catch {
      return []; // the descriptor readdir itself used, closed by now
    }
  });

/** Another program's database with tables of our names and other columns, and a row of its own. */
function othersDatabase(path: string): void {
  const other = new Database(path);
  other.exec(`
    CREATE TABLE kv_items (id INTEGER PRIMARY KEY, title TEXT);
    CREATE TABLE queue_messages (id INTEGER PRIMARY KEY, title TEXT);
    INSERT INTO kv_items (title) VALUES ('theirs');
  `);
  other.close();
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

(existsSync('/proc/self/fd') ? test.each : test.skip.each)([
  ['queue', (path: string) => sqliteQueue({ path, clock })],
  ['store', (path: string) => sqliteStore({ path, clock })],
])('another program\'s database as the %s: refused, named, and every connection the tries opened is closed', (_, open) => {
  const path = join(dir, 'app.sqlite');
  othersDatabase(path);
  for (let i = 0; i < 5; i++) {
    expect(() => open(path)).toThrow(expect.objectContaining({
      code: 'store_incompatible',
      status: 500,
      retryable: false,
      expose: false,
      message: expect.stringMatching(new RegExp(`^The local database ${escaped(path)} is not one of this runtime's \\(SQLITE_ERROR: no such column: .+\\): it may be another program's database\\. `)),
    }));
    expect(openFds(path)).toEqual([]);
  }
  // The other program still finds its data.
  const other = new Database(path, { readonly: true });
  try {
    expect(other.prepare('SELECT title FROM kv_items').pluck().all()).toEqual(['theirs']);
  } finally {
    other.close();
  }
});

(existsSync('/proc/self/fd') ? test : test.skip)('a store opened and closed holds no descriptor on its files afterwards (what the test above relies on)', async () => {
  const path = join(dir, 'state.db');
  const store = sqliteStore({ path, clock });
  await store.put('k', 'v');
  expect(openFds(path).length).toBeGreaterThan(0);
  store.close();
  expect(openFds(path)).toEqual([]);
});
