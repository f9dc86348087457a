import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import { openDatabase, unlessBusy } from './sqlite';

test('a write blocked by another connection past busy_timeout is a 503 store_busy with Retry-After, not a 500', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'busy-')), 'db.sqlite');
  const holder = openDatabase(path);
  holder.exec('CREATE TABLE t (x INTEGER)');
  const waiter = openDatabase(path, { busyTimeoutMs: 20 });
  holder.exec('BEGIN IMMEDIATE');
  try {
    const insert = waiter.prepare('INSERT INTO t VALUES (1)');
    let caught: unknown;
    try {
      unlessBusy(() => insert.run());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: 'store_busy', status: 503, retryable: true, headers: { 'retry-after': '1' } });
    expect(() => unlessBusy(() => waiter.prepare('SELECT * FROM missing').get())).toThrow(/no such table/);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
    waiter.close();
  }
});
