import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { raceProcesses } from './race.testkit';
import { openDatabase } from './sqlite';
import { sqliteStore } from './sqlite-store';

const START = Date.parse('2026-01-01T00:00:00Z');
const dirs: string[] = [];
/** A fresh folder per test; the nested path checks that the parent folder is created. */
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-store-'));
  dirs.push(dir);
  return join(dir, 'data', 'state.sqlite');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const fresh = async () => {
  const clock = fixedClock(START);
  const store = sqliteStore({ path: tempPath(), clock });
  return { store, clock, close: async () => store.close() };
};
describeStateStoreContract('sqlite', fresh);
describeStateStoreLimits('sqlite', fresh);

describe('sqliteStore', () => {
  it('opens in WAL mode with foreign keys on, and fsyncs every commit (synchronous FULL) unless told otherwise', () => {
    const db = openDatabase(tempPath());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
    const relaxed = openDatabase(tempPath(), { synchronous: 'NORMAL' });
    expect(relaxed.pragma('synchronous', { simple: true })).toBe(1);
    relaxed.close();
  });

  it('never gives two writes of a key the same version, from two connections or after a reopen', async () => {
    // A version one worker thread read must not match a later write by another thread, or by a
    // restarted process after a delete: ifVersion would then overwrite a value it never saw.
    const path = tempPath();
    const clock = fixedClock(START);
    const [a, b] = [sqliteStore({ path, clock }), sqliteStore({ path, clock })];
    await a.put('k', 'from a');
    const readByA = (await a.get('k'))!.version;
    await b.put('k', 'from b');
    expect(await a.put('k', 'stale', { ifVersion: readByA })).toBe(false);
    expect((await a.get('k'))?.value).toBe('from b');
    const beforeDelete = (await b.get('k'))!.version;
    await b.delete('k');
    a.close();
    b.close();
    const reopened = sqliteStore({ path, clock });
    await reopened.put('k', 'recreated');
    expect(await reopened.put('k', 'stale', { ifVersion: beforeDelete })).toBe(false);
    expect(await reopened.put('k', 'stale', { ifVersion: readByA })).toBe(false);
    expect((await reopened.get('k'))?.value).toBe('recreated');
    reopened.close();
  });

  it('lets exactly one of two connections to one file win ifAbsent (two worker threads)', async () => {
    const path = tempPath();
    const clock = fixedClock(START);
    const [a, b] = [sqliteStore({ path, clock }), sqliteStore({ path, clock })];
    for (let i = 0; i < 50; i++) {
      const wins = await Promise.all([a.put(`k${i}`, 'a', { ifAbsent: true }), b.put(`k${i}`, 'b', { ifAbsent: true })]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = wins[0] ? 'a' : 'b';
      expect((await a.get(`k${i}`))?.value).toBe(winner);
      expect((await b.get(`k${i}`))?.value).toBe(winner);
    }
    a.close();
    b.close();
  });

  it('lets exactly one of four processes win each ifAbsent key', async () => {
    const path = tempPath();
    sqliteStore({ path, clock: fixedClock(START) }).close(); // schema first: racers then contend on rows only
    const won = await raceProcesses(4, ['store', path, '100', String(START)]);
    const all = won.flat();
    expect(new Set(all).size).toBe(100);
    // A check-then-write version of ifAbsent fails here with hundreds of double wins.
    expect(all).toHaveLength(100);
  });

  it('keeps data, versions and ttls across close and reopen', async () => {
    const path = tempPath();
    const clock = fixedClock(START);
    const first = sqliteStore({ path, clock });
    await first.put('kept', 'v');
    await first.put('short', 'v', { ttlSeconds: 10 });
    const before = await first.get('kept');
    first.close();

    const second = sqliteStore({ path, clock });
    expect(await second.get('kept')).toEqual(before);
    expect((await second.get('short'))?.expiresAt).toBe(START + 10_000);
    clock.advance(10_000);
    expect(await second.get('short')).toBeUndefined();
    second.close();
  });

  it('deletes expired rows in the background without touching live ones', async () => {
    const path = tempPath();
    const clock = fixedClock(START);
    const store = sqliteStore({ path, clock });
    for (let i = 0; i < 100; i++) await store.put(`old${i}`, 'v', { ttlSeconds: 1 });
    await store.put('live', 'v');
    clock.advance(2_000);
    for (let i = 0; i < 300; i++) await store.put(`new${i % 10}`, 'v');
    const db = openDatabase(path);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    expect(count("SELECT count(*) AS n FROM kv_items WHERE key LIKE 'old%'")).toBe(0);
    expect(count("SELECT count(*) AS n FROM kv_items WHERE key = 'live'")).toBe(1);
    db.close();
    store.close();
  });

  it('deletes expired rows for a connection that writes only in batches (the delivery worker)', async () => {
    const path = tempPath();
    const clock = fixedClock(START);
    const store = sqliteStore({ path, clock });
    for (let i = 0; i < 100; i++) await store.putAll([{ key: `old${i}`, value: 'v', opts: { ttlSeconds: 1 } }, { key: `due${i}`, value: '', opts: { ttlSeconds: 1 } }]);
    clock.advance(2_000);
    for (let i = 0; i < 300; i++) await store.putAll([{ key: `new${i % 10}`, value: 'v' }, { key: 'lease', value: 'v' }]);
    const db = openDatabase(path);
    expect((db.prepare("SELECT count(*) AS n FROM kv_items WHERE key LIKE 'old%' OR key LIKE 'due%'").get() as { n: number }).n).toBe(0);
    db.close();
    store.close();
  });
});
