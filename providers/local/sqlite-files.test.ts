import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemResponse } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { openDatabase, unlessBusy, whenFree } from './sqlite';
import { sqliteQueue } from './sqlite-queue';
import { sqliteStore } from './sqlite-store';

/**
 * A database file that SQLite cannot use: damaged, on a full disk. Each must surface as an error
 * that names the file and says what to do (logs and a worker's exit line carry only the message),
 * and the file must be left as it is for recovery.
 */
const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secorch-sqlite-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const damaged = (path: string) => ({
  code: 'store_damaged',
  retryable: false,
  expose: false,
  message: expect.stringMatching(new RegExp(`^The local database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(SQLITE_[A-Z_]+: .+\\)\\. .*restore it from a backup.*move it aside`)),
});

test.each([
  ['queue', (path: string) => sqliteQueue({ path, clock })],
  ['store', (path: string) => sqliteStore({ path, clock })],
])('a file that is no database (%s) is refused at open, named, and left as it was', (_, open) => {
  const path = join(dir, 'state.db');
  writeFileSync(path, 'a config file saved here by mistake\n'.repeat(200));
  const before = readFileSync(path);
  expect(() => open(path)).toThrow(expect.objectContaining(damaged(path)));
  expect(readFileSync(path).equals(before)).toBe(true);
});

test('a database whose pages were overwritten: the operation that finds it names the file', () => {
  const path = join(dir, 'queue.db');
  const q = sqliteQueue({ path, clock });
  q.enqueueAll(Array.from({ length: 400 }, (_, i) => `message ${i} ${'x'.repeat(200)}`));
  q.close();
  // Keep page 1 (the header and the schema), overwrite every page after it.
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  bytes.fill(0xa5, pageSize);
  writeFileSync(path, bytes);
  let caught: unknown;
  try {
    const reopened = sqliteQueue({ path, clock });
    try {
      reopened.claim(10, 60_000);
    } finally {
      reopened.close();
    }
  } catch (e) {
    caught = e;
  }
  expect(caught).toMatchObject(damaged(path));
});

test('a full disk is a 503 store_full with Retry-After that says so, not an unexplained 500', () => {
  const path = join(dir, 'state.db');
  const db = openDatabase(path);
  whenFree(db, () => db.exec('CREATE TABLE t (x BLOB)'));
  // SQLite answers SQLITE_FULL when the file may grow no more, exactly as on a full disk.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  for (const run of [whenFree, unlessBusy]) {
    let caught: unknown;
    try {
      run(db, () => insert.run(Buffer.alloc(64 * 1024)));
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'store_full', status: 503, retryable: true, expose: true, headers: { 'retry-after': '30' } });
    expect((caught as Error).message).toBe('The disk holding the local database state.db is full (SQLITE_FULL): free space on it; nothing more can be stored until then');
    const res = problemResponse(caught);
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '30']);
  }
  // Other errors stay as they were.
  expect(() => whenFree(db, () => db.prepare('SELECT * FROM missing').get())).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
  db.close();
});

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/**
 * The state store holds sealed subscription secrets, dead letters with raw webhook bodies and
 * replay ids; the queue holds events. A data directory that existed before keeps its mode (it may
 * be open to others), so what SQLite creates in it must protect itself: SQLite's default is 0644,
 * and it gives -wal and -shm the main file's mode.
 */
test.each([
  ['queue', (path: string) => sqliteQueue({ path, clock })],
  ['store', (path: string) => sqliteStore({ path, clock })],
])('a %s file it creates, with its -wal and -shm, is the owner\'s only, and so are the folders made for it', async (what, open) => {
  chmodSync(dir, 0o755);
  const path = join(dir, 'nested', 'data', `${what}.db`);
  const db = open(path);
  try {
    if ('enqueue' in db) db.enqueue('an event');
    else await db.put('k', 'a sealed secret');
    expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    expect([join(dir, 'nested'), join(dir, 'nested', 'data')].map(modeOf)).toEqual(['700', '700']);
    expect(modeOf(dir)).toBe('755');
  } finally {
    db.close();
  }
});

test('files and folders that already exist keep their modes: tightening them is the owner\'s call', () => {
  const folder = join(dir, 'shared');
  mkdirSync(folder);
  chmodSync(folder, 0o750);
  const path = join(folder, 'queue.db');
  sqliteQueue({ path, clock }).close();
  chmodSync(path, 0o640);
  const queue = sqliteQueue({ path, clock });
  try {
    queue.enqueue('an event');
    expect([folder, path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['750', '640', '640', '640']);
  } finally {
    queue.close();
  }
});
