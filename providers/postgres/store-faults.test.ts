import { Pool } from 'pg';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { postgresStore } from './store';

/**
 * Faults a production PostgreSQL shows: a connection killed by the server (failover, idle-session
 * or admin termination, pg_terminate_backend) while the store holds it. Runs against the
 * PostgreSQL on 127.0.0.1:5432; each test uses its own table, dropped at the end.
 */
const URL = 'postgres://postgres@127.0.0.1:5432/test';
const START = Date.parse('2026-01-01T00:00:00Z');
let tables = 0;
const freshTable = () => `secorch_faults_${process.pid}_${++tables}`;

describeWithServer('postgres', STANDARD_PORTS.postgres, 'postgresStore faults (PostgreSQL on 127.0.0.1:5432)', () => {
  let admin: Pool;
  beforeAll(() => {
    admin = new Pool({ connectionString: URL, max: 3 });
  });
  afterAll(async () => {
    await admin.end();
  });

  it('a connection terminated by the server inside a putAll rejects that batch, neither crashes the process nor breaks the store', async () => {
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock: fixedClock(START) });
    await store.put('locked', 'v0');
    // Hold the row, so the batch's transaction waits on it with its connection checked out.
    const holder = await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    // Jest turns an uncaught exception into a failure of whatever runs; count it here instead.
    const jestListeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${table}" WHERE key = 'locked' FOR UPDATE`);
      const batch = store.putAll([{ key: 'a', value: '1' }, { key: 'locked', value: 'v1' }]);
      const outcome = batch.then(() => 'resolved', (e: unknown) => e);
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        const { rows } = await admin.query(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()",
          [`%${table}%`],
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      expect(await outcome).toBeInstanceOf(Error);
      await holder.query('ROLLBACK');
      await new Promise((r) => setTimeout(r, 100)); // the socket's end arrives after the query's error
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      for (const l of jestListeners) process.on('uncaughtException', l);
      holder.release();
    }
    expect(uncaught).toEqual([]);
    // The batch wrote nothing, and the store goes on with a fresh connection.
    expect(await store.get('a')).toBeUndefined();
    expect(await store.putAll([{ key: 'a', value: '2' }, { key: 'locked', value: 'v2' }])).toBe(true);
    expect((await store.get('locked'))?.value).toBe('v2');
    await store.close();
    await admin.query(`DROP TABLE IF EXISTS "${table}"`);
  });
});
