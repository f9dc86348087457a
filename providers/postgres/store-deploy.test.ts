import { Pool } from 'pg';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { postgresStore } from './store';

/**
 * How deployments run the store beyond a fresh table owned by its user: a least-privilege role
 * on a table made beforehand, and garbage collection running beside writers of the same keys.
 * Runs against the PostgreSQL on 127.0.0.1:5432; each test uses its own table (and role),
 * dropped at the end.
 */
const URL = `postgres://postgres@127.0.0.1:${STANDARD_PORTS.postgres}/test`;
const START = Date.parse('2026-01-01T00:00:00Z');
let tables = 0;
const freshTable = () => `secorch_deploy_${process.pid}_${++tables}`;

describeWithServer('postgres', STANDARD_PORTS.postgres, 'postgresStore deployments (PostgreSQL on 127.0.0.1:5432)', () => {
  let admin: Pool;
  beforeAll(() => {
    admin = new Pool({ connectionString: URL, max: 3 });
  });
  afterAll(async () => {
    await admin.end();
  });

  it('works for a role with only SELECT, INSERT, UPDATE and DELETE on a table made beforehand (no CREATE on the schema)', async () => {
    const schema = freshTable();
    const table = `${schema}.state`;
    const role = `${schema}_app`;
    // The table as a database owner makes it, from the layout the store documents, in a schema
    // the role may use but not create in.
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}"."state" (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, version text NOT NULL, expires_at bigint)`);
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${schema}"."state" TO "${role}"`);
    const store = postgresStore({ connectionString: `postgres://${role}@127.0.0.1:${STANDARD_PORTS.postgres}/test`, table, clock: fixedClock(START) });
    try {
      await store.check();
      expect(await store.put('k', 'v', { ifAbsent: true })).toBe(true);
      expect((await store.get('k'))?.value).toBe('v');
      expect(await store.putAll([{ key: 'a', value: '1' }, { key: 'k', delete: true }])).toBe(true);
      expect((await store.list('')).items.map((i) => i.key)).toEqual(['a']);
      await store.delete('a');
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('garbage collection never deletes a row that a concurrent write has just made live again', async () => {
    const table = freshTable();
    const clock = fixedClock(START);
    const store = postgresStore({ connectionString: URL, table, clock, gcMarginMs: 60_000, random: () => 0 });
    const writer = await admin.connect();
    try {
      await store.put('claim', 'old', { ttlSeconds: 1 });
      clock.advance(61_001); // 'claim' is now due for collection
      // Another instance takes the key again (an ifAbsent claim of an expired item), its
      // transaction still open when collection selects the row, which then waits for it.
      await writer.query('BEGIN');
      await writer.query(`UPDATE "${table}" SET value = 'new', version = 'v-new', expires_at = NULL WHERE key = 'claim'`);
      // The 256th write of this store runs a collection.
      for (let i = 1; i < 255; i++) await store.put(`w${i % 10}`, 'v');
      const collecting = store.put('w-last', 'v');
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const { rows } = await admin.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE%' AND query LIKE $1",
          [`%${table}%`],
        );
        waiting = rows.length > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 20));
      }
      expect(waiting).toBe(true);
      await writer.query('COMMIT');
      await collecting;
      expect(await store.get('claim')).toEqual({ value: 'new', version: 'v-new' });
    } finally {
      writer.release();
      await store.close();
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  });
  it('keeps its answers where transactions default to SERIALIZABLE: racing claims lose with false, not an error', async () => {
    const table = freshTable();
    // As `ALTER DATABASE ... SET default_transaction_isolation` would, for this connection only.
    const url = `${URL}?options=${encodeURIComponent('-c default_transaction_isolation=serializable')}`;
    const store = postgresStore({ connectionString: url, table, clock: fixedClock(START) });
    try {
      await store.check();
      for (let round = 0; round < 5; round++) {
        const claims = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put(`claim${round}`, `w${i}`, { ifAbsent: true })));
        expect(claims.map((c) => c.status)).toEqual(Array(10).fill('fulfilled'));
        expect(claims.filter((c) => c.status === 'fulfilled' && c.value)).toHaveLength(1);
      }
      await store.put('k', 'v0');
      const { version } = (await store.get('k'))!;
      const updates = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put('k', `w${i}`, { ifVersion: version })));
      expect(updates.map((c) => c.status)).toEqual(Array(10).fill('fulfilled'));
      expect(updates.filter((c) => c.status === 'fulfilled' && c.value)).toHaveLength(1);
    } finally {
      await store.close();
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  });

  it('under SERIALIZABLE, batches still contended after the retries fail as store_unavailable, never a bare driver error, and no update is lost', async () => {
    const table = freshTable();
    const url = `${URL}?options=${encodeURIComponent('-c default_transaction_isolation=serializable')}`;
    const clock = fixedClock(START);
    // Three instances (pools) moving units between three keys, each move one putAll of two ifVersion writes.
    const stores = [0, 1, 2].map(() => postgresStore({ connectionString: url, table, clock }));
    const keys = ['a', 'b', 'c'];
    try {
      for (const k of keys) await stores[0]!.put(k, '100');
      const failures: unknown[] = [];
      const mover = async (w: number) => {
        const store = stores[w % 3]!;
        for (let i = 0; i < 15; i++) {
          const [from, to] = [keys[(w + i) % 3]!, keys[(w + i + 1) % 3]!];
          const [f, t] = [(await store.get(from))!, (await store.get(to))!];
          await store.putAll([
            { key: from, value: String(Number(f.value) - 1), opts: { ifVersion: f.version } },
            { key: to, value: String(Number(t.value) + 1), opts: { ifVersion: t.version } },
          ]).catch((e: unknown) => failures.push(e));
        }
      };
      await Promise.all(Array.from({ length: 60 }, (_, w) => mover(w)));
      for (const e of failures) expect(e).toMatchObject({ code: 'store_unavailable', status: 503, headers: { 'retry-after': '1' } });
      let sum = 0;
      for (const k of keys) sum += Number((await stores[0]!.get(k))!.value);
      expect(sum).toBe(300);
    } finally {
      for (const s of stores) await s.close();
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  });
});
