import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDataDir } from './data-dir';

/** npm start's data directory check: one clear line where mkdir used to throw EEXIST with a stack. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-data-dir-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a missing folder is created, an existing one kept', () => {
  ensureDataDir(join(dir, 'a', 'b'));
  expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
  expect(() => ensureDataDir(join(dir, 'a', 'b'))).not.toThrow();
});

test('a folder it creates is its owner\'s only (0700); an existing one keeps its mode', () => {
  ensureDataDir(join(dir, 'fresh'));
  expect(statSync(join(dir, 'fresh')).mode & 0o777).toBe(0o700);
  const mine = join(dir, 'mine');
  mkdirSync(mine, { mode: 0o755 });
  chmodSync(mine, 0o755);
  ensureDataDir(mine);
  expect(statSync(mine).mode & 0o777).toBe(0o755);
});

test('a path that is a file, or under a file, is refused with one line naming it', () => {
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  expect(() => ensureDataDir(file)).toThrow(`SECORCH_DATA_DIR ${file} exists and is not a folder; point SECORCH_DATA_DIR at a folder (it is created when missing)`);
  expect(() => ensureDataDir(join(file, 'sub'))).toThrow(`SECORCH_DATA_DIR ${join(file, 'sub')} is under a file, not a folder`);
  expect(existsSync(join(file, 'sub'))).toBe(false);
});

// A folder the file system refuses to write in, whoever runs the test (root writes through modes):
// /proc/self is one on Linux, as a read-only mount or a folder of another user is elsewhere.
(process.platform === 'linux' ? test : test.skip)('an existing folder this user cannot write in is refused with one line naming it', () => {
  expect(() => ensureDataDir('/proc/self')).toThrow(/^SECORCH_DATA_DIR \/proc\/self cannot be written \([A-Z]+\): the local databases, keys and inbox live there; point SECORCH_DATA_DIR at a folder this user can write$/);
  expect(() => ensureDataDir(dir)).not.toThrow();
  expect(readdirSync(dir)).toEqual([]);
});
