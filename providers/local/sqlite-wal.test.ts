import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, whenFree } from './sqlite';

const dirs: string[] = [];
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-wal-'));
  dirs.push(dir);
  return join(dir, 'state.db');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const walBytes = (path: string) => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
const MiB = 1024 * 1024;

/** Starts `count` reader processes (sqlite-wal-reader.fixture.ts) on path and waits until each has read once. */
async function readers(path: string, count: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'sqlite-wal-reader.fixture.ts'), path], { cwd: join(__dirname, '../..'), stdio: ['pipe', 'pipe', 'inherit'] }));
  await Promise.all(children.map((c) => new Promise<void>((ready, failed) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()).includes('ready\n') && ready());
    c.once('exit', (code) => failed(new Error(`reader exited (${code}) before it was ready`)));
  })));
  return children;
}
const stopAll = (children: ChildProcess[]) =>
  Promise.all(children.map((c) => new Promise<void>((done) => (c.exitCode !== null ? done() : (c.once('exit', () => done()), c.stdin!.end())))));

test('readers that never pause do not starve checkpoints: the WAL stays near maxWalBytes', async () => {
  const path = tempPath();
  const maxWalBytes = MiB;
  const writer = openDatabase(path, { synchronous: 'NORMAL', maxWalBytes });
  writer.exec('CREATE TABLE t (x BLOB)');
  const insert = writer.prepare('INSERT INTO t VALUES (?)');
  const row = Buffer.alloc(2000, 7);
  const polling = await readers(path, 3);
  let largest = 0;
  try {
    // About 20 MB through the WAL: SQLite's automatic checkpoint (every 1000 pages, 4 MB) can copy
    // frames back only up to the oldest snapshot still read, and a busy reader always holds one,
    // so the WAL is never started over and grows by every commit (228 MB for 60 MB written).
    for (let i = 0; i < 10_000; i++) {
      whenFree(writer, () => insert.run(row));
      largest = Math.max(largest, walBytes(path));
    }
  } finally {
    await stopAll(polling);
  }
  expect(largest).toBeLessThan(2 * maxWalBytes);
  writer.close();
}, 60_000);

test('a connection cuts a WAL left large by a burst back to maxWalBytes at its next checkpoint', () => {
  const path = tempPath();
  const maxWalBytes = MiB;
  const writer = openDatabase(path, { maxWalBytes });
  // Another connection keeps the file open, so the WAL is not removed at the writer's close.
  const other = openDatabase(path, { maxWalBytes });
  writer.exec('CREATE TABLE t (x BLOB)');
  // One transaction of about 8 MB: the WAL must hold it whole, whatever the limit.
  writer.transaction(() => {
    for (let i = 0; i < 4000; i++) writer.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(2000, 1));
  })();
  expect(walBytes(path)).toBeGreaterThan(4 * maxWalBytes);
  writer.pragma('wal_checkpoint(PASSIVE)');
  // The next commit starts the WAL over, and journal_size_limit truncates it.
  whenFree(writer, () => writer.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(10)));
  expect(walBytes(path)).toBeLessThanOrEqual(maxWalBytes);
  other.close();
  writer.close();
});
