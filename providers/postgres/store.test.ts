import { Pool } from 'pg';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { postgresStore, prefixEnd } from './store';

/**
 * Runs against the PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`). Every test uses
 * its own table, dropped at the end, so concurrent runs and other suites never collide.
 */
const URL = 'postgres://postgres@127.0.0.1:5432/test';
const START = Date.parse('2026-01-01T00:00:00Z');
let tables = 0;
const freshTable = () => `secorch_test_${process.pid}_${++tables}`;

describeWithServer('postgres', STANDARD_PORTS.postgres, 'postgresStore (PostgreSQL on 127.0.0.1:5432)', () => {
  let admin: Pool;
  beforeAll(() => {
    admin = new Pool({ connectionString: URL, max: 2 });
  });
  afterAll(async () => {
    await admin.end();
  });
  const drop = (table: string) => admin.query(`DROP TABLE IF EXISTS "${table}"`);

  const fresh = async () => {
    const clock = fixedClock(START);
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock });
    return {
      store,
      clock,
      close: async () => {
        await store.close();
        await drop(table);
      },
    };
  };
  describeStateStoreContract('postgres', fresh);
  describeStateStoreLimits('postgres', fresh);

  it('creates its table at first use, with C collation and an expiry index', async () => {
    const table = freshTable();
    const store = postgresStore({ pool: admin, table, clock: fixedClock(START) });
    expect((await admin.query('SELECT to_regclass($1) AS t', [table])).rows[0].t).toBeNull();
    await store.check();
    const cols = await admin.query(
      "SELECT column_name, collation_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
      [table],
    );
    expect(cols.rows).toEqual([
      { column_name: 'key', collation_name: 'C' },
      { column_name: 'value', collation_name: null },
      { column_name: 'version', collation_name: null },
      { column_name: 'expires_at', collation_name: null },
    ]);
    const idx = await admin.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [table]);
    expect(idx.rows.map((r) => r.indexname)).toEqual([`${table}_expires_at`, `${table}_pkey`]);
    await store.close(); // a pool passed in stays open: its owner ends it
    await expect(admin.query('SELECT 1')).resolves.toBeDefined();
    await drop(table);
  });

  it('survives many stores creating the same table at once', async () => {
    // Racing CREATE TABLE IF NOT EXISTS fails in several ways (catalog unique violation, relation
    // or row type already exists): rounds of six give each a chance to show.
    for (let round = 0; round < 15; round++) {
      const table = freshTable();
      const stores = Array.from({ length: 6 }, () => postgresStore({ connectionString: URL, table, clock: fixedClock(START) }));
      await Promise.all(stores.map((s) => s.check()));
      await Promise.all(stores.map((s) => s.close()));
      await drop(table);
    }
  });

  it('lets exactly one of two stores (separate pools) win each ifAbsent key', async () => {
    const table = freshTable();
    const clock = fixedClock(START);
    const [a, b] = [postgresStore({ connectionString: URL, table, clock }), postgresStore({ connectionString: URL, table, clock })];
    await a.check();
    for (let i = 0; i < 30; i++) {
      const wins = await Promise.all([a.put(`k${i}`, 'a', { ifAbsent: true }), b.put(`k${i}`, 'b', { ifAbsent: true })]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await b.get(`k${i}`))?.value).toBe(wins[0] ? 'a' : 'b');
    }
    await a.close();
    await b.close();
    await drop(table);
  });

  it('runs overlapping batches given in opposite key orders without deadlock', async () => {
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock: fixedClock(START) });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => {
      const writes = [{ key: 'x', value: `${i}` }, { key: 'y', value: `${i}` }, { key: 'z', value: `${i}` }];
      return store.putAll(i % 2 ? writes : writes.reverse());
    }));
    expect(results.every(Boolean)).toBe(true);
    const [x, y, z] = [await store.get('x'), await store.get('y'), await store.get('z')];
    expect(x?.value).toBe(y?.value); // each batch is all or nothing: the last one wins whole
    expect(y?.value).toBe(z?.value);
    await store.close();
    await drop(table);
  });

  it('garbage-collects rows expired beyond the margin, never live ones', async () => {
    const table = freshTable();
    const clock = fixedClock(START);
    const store = postgresStore({ connectionString: URL, table, clock, gcMarginMs: 60_000, random: () => 0 });
    for (let i = 0; i < 50; i++) await store.put(`old${i}`, 'v', { ttlSeconds: 1 });
    await store.put('long', 'v', { ttlSeconds: 3600 });
    await store.put('forever', 'v');
    clock.advance(61_001);
    for (let i = 0; i < 300; i++) await store.put(`new${i % 10}`, 'v');
    const left = await admin.query(`SELECT key FROM "${table}" WHERE key NOT LIKE 'new%' ORDER BY key`);
    expect(left.rows.map((r) => r.key)).toEqual(['forever', 'long']);
    await store.close();
    await drop(table);
  });

  it('collects in short-lived instances too: each starts its write count at a random point of the interval', async () => {
    const table = freshTable();
    const clock = fixedClock(START);
    const seed = postgresStore({ connectionString: URL, table, clock, gcMarginMs: 60_000, random: () => 0 });
    for (let i = 0; i < 5; i++) await seed.put(`old${i}`, 'v', { ttlSeconds: 1 });
    await seed.close();
    clock.advance(61_001);
    // A fresh instance that writes once: with its count starting at the interval's last step,
    // that one write runs a collection. Counting from zero, it never would.
    const brief = postgresStore({ connectionString: URL, table, clock, gcMarginMs: 60_000, random: () => 255 / 256 });
    await brief.put('one', 'v');
    const left = await admin.query(`SELECT key FROM "${table}" ORDER BY key`);
    expect(left.rows.map((r) => r.key)).toEqual(['one']);
    await brief.close();
    await drop(table);
  });

  it('lists prefixes containing LIKE wildcards and non-ASCII characters exactly', async () => {
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock: fixedClock(START) });
    for (const key of ['a%b/1', 'a%b/2', 'axb/1', 'a_b/1', 'é/1', 'é/2', 'é0', 'ê/1', '🔑/a', '🔑/b', '🔒']) await store.put(key, key);
    const keys = async (prefix: string) => (await store.list(prefix)).items.map((i) => i.key);
    expect(await keys('a%b/')).toEqual(['a%b/1', 'a%b/2']);
    expect(await keys('a_b')).toEqual(['a_b/1']);
    expect(await keys('é/')).toEqual(['é/1', 'é/2']);
    expect(await keys('🔑')).toEqual(['🔑/a', '🔑/b']);
    expect((await store.list('')).items).toHaveLength(11);
    await store.close();
    await drop(table);
  });

  it('refuses U+0000 in a written key or value with a clear error, finds no such key, and rejects bad table names', async () => {
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock: fixedClock(START) });
    await expect(store.put('k', 'a\u0000b')).rejects.toThrow('cannot hold U+0000');
    await expect(store.putAll([{ key: 'k\u0000', value: 'v' }])).rejects.toThrow(TypeError);
    // No such key can be stored, so reads find none and a delete has nothing to do, without
    // sending the server text it refuses (a driver error, a bare 500).
    await store.put('k', 'v');
    await store.put('k/1', 'v');
    expect(await store.get('k\u0000')).toBeUndefined();
    await expect(store.delete('k\u0000')).resolves.toBeUndefined();
    expect(await store.putAll([{ key: 'k/2', value: 'v' }, { key: 'k\u0000', delete: true }])).toBe(true);
    await store.delete('k/2');
    expect(await store.list('k\u0000')).toEqual({ items: [] });
    expect((await store.list('k', { after: 'k\u0000' })).items.map((i) => i.key)).toEqual(['k/1']);
    expect((await store.list('k', { after: 'k/\u0000x' })).items.map((i) => i.key)).toEqual(['k/1']);
    expect((await store.list('k', { after: 'k/1\u0000' })).items).toEqual([]);
    expect(() => postgresStore({ connectionString: URL, table: 'x"; DROP TABLE y; --', clock: fixedClock(START) })).toThrow(RangeError);
    await store.close();
    await drop(table);
  });
});

describe('prefixEnd', () => {
  it('is the next string after every key with the prefix, in code point order', () => {
    expect(prefixEnd('sub/t1/')).toBe('sub/t10');
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('\u{D7FF}')).toBe('\u{E000}');
    expect(prefixEnd('🔑')).toBe('🔒');
    expect(prefixEnd('')).toBeUndefined();
  });
});
