import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, problemResponse } from '../../shared/errors';
import { openDatabase, unlessBusy, whenFree } from './sqlite';

test('a write blocked by another connection past busyTimeoutMs is a 503 store_busy with Retry-After, not a 500', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'busy-')), 'db.sqlite');
  const holder = openDatabase(path);
  holder.exec('CREATE TABLE t (x INTEGER)');
  const waiter = openDatabase(path, { busyTimeoutMs: 20 });
  holder.exec('BEGIN IMMEDIATE');
  try {
    const insert = waiter.prepare('INSERT INTO t VALUES (1)');
    let caught: unknown;
    try {
      unlessBusy(waiter, () => insert.run());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: 'store_busy', status: 503, retryable: true, headers: { 'retry-after': '1' } });
    // And so it is answered over HTTP: 503 with Retry-After, not a bare 500.
    const res = problemResponse(caught);
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
    expect(() => unlessBusy(waiter, () => waiter.prepare('SELECT * FROM missing').get())).toThrow(/no such table/);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
    waiter.close();
  }
});

test('processes opening one new file at the same moment all get it in WAL mode (npm start brings up several)', async () => {
  const { spawn } = await import('node:child_process');
  for (let round = 0; round < 2; round++) {
    const path = join(mkdtempSync(join(tmpdir(), 'open-')), 'db.sqlite');
    const codes = await Promise.all(Array.from({ length: 6 }, () => new Promise<{ code: number | null; err: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'sqlite-open.testkit.ts'), path], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => done({ code, err }));
    })));
    expect(codes.filter((c) => c.code !== 0).map((c) => c.err.split('\n')[0])).toEqual([]);
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 120 });
    db.close();
  }
}, 60000);

test('a write that finds the write lock taken is tried again while it stays taken, then runs once', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'busy-')), 'db.sqlite');
  const holder = openDatabase(path);
  holder.exec('CREATE TABLE t (x INTEGER)');
  const waiter = openDatabase(path);
  const insert = waiter.prepare('INSERT INTO t VALUES (1)');
  holder.exec('BEGIN IMMEDIATE');
  holder.exec('INSERT INTO t VALUES (0)');
  let tries = 0;
  // The holder commits during the waiter's fourth try: the first three find the lock taken.
  whenFree(waiter, () => {
    if (++tries === 4) holder.exec('COMMIT');
    return insert.run();
  });
  expect(tries).toBe(4);
  expect(waiter.prepare('SELECT x FROM t ORDER BY rowid').all()).toEqual([{ x: 0 }, { x: 1 }]);
  holder.close();
  waiter.close();
});

test('whenFree runs an operation that fails for another reason once and throws its error', () => {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'busy-')), 'db.sqlite'));
  let tries = 0;
  expect(() => whenFree(db, () => {
    tries += 1;
    return db.prepare('SELECT * FROM missing').get();
  })).toThrow(/no such table/);
  expect(tries).toBe(1);
  db.close();
});
