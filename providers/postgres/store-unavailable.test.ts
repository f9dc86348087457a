import { Pool } from 'pg';
import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { blackHole, closedPort, freezingProxy } from './net-faults.testkit';
import { postgresStore } from './store';

/**
 * PostgreSQL unreachable or not answering: every wait is bounded and ends in a typed 503
 * `store_unavailable`, never in a hang until the platform's timeout or a raw driver error (500).
 * The per-test timeouts are the only time bounds: generous, far above the configured 300 ms.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const PASSWORD = 's3cret-Pw-never-shown';
const SHORT = { connectTimeoutMs: 300, statementTimeoutMs: 300 };
const BOUND_MS = 5000;
const clock = fixedClock(START);

const unavailable = (op: string) => ({ name: 'AppError', code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' }, message: expect.stringContaining(op) });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('postgresStore when PostgreSQL is unreachable', () => {
  it('a server that accepts TCP and never answers: get rejects with store_unavailable after the connect timeout, naming no password', async () => {
    const hole = await blackHole();
    const url = `postgres://secorch:${PASSWORD}@127.0.0.1:${hole.port}/test`;
    const store = postgresStore({ connectionString: url, table: 'secorch_unused', clock, ...SHORT });
    try {
      const e = await rejection(store.get('k'));
      expect(e).toMatchObject(unavailable('get'));
      expect(e.message).not.toContain(PASSWORD);
      expect(e.message).not.toContain(String(hole.port));
      expect(e.cause).toBeInstanceOf(Error);
    } finally {
      await store.close();
      await hole.close();
    }
  }, BOUND_MS);

  it('a closed port (connection refused): every operation rejects with store_unavailable naming it', async () => {
    const url = `postgres://secorch:${PASSWORD}@127.0.0.1:${await closedPort()}/test`;
    const store = postgresStore({ connectionString: url, table: 'secorch_unused', clock, ...SHORT });
    try {
      const ops: [string, () => Promise<unknown>][] = [
        ['get', () => store.get('k')],
        ['put', () => store.put('k', 'v')],
        ['putAll', () => store.putAll([{ key: 'k', value: 'v' }])],
        ['list', () => store.list('')],
        ['delete', () => store.delete('k')],
        ['check', () => store.check()],
      ];
      for (const [op, run] of ops) {
        const e = await rejection(run());
        expect(e).toMatchObject(unavailable(op));
        expect(e.message).toMatch(/connection refused/);
        expect(e.message).not.toContain(PASSWORD);
      }
    } finally {
      await store.close();
    }
  }, BOUND_MS);

  it('errors of the caller stay as they are: U+0000 in a value is a TypeError, not a 503', async () => {
    const store = postgresStore({ connectionString: `postgres://x@127.0.0.1:${await closedPort()}/test`, clock, ...SHORT });
    await expect(store.putAll([{ key: 'k', value: 'a\u0000b' }])).rejects.toThrow(TypeError);
    await store.close();
  }, BOUND_MS);
});

const URL = `postgres://postgres@127.0.0.1:${STANDARD_PORTS.postgres}/test`;
/**
 * Against the real server the same store also does work that must succeed (creating its table,
 * the writes before and after the fault), and 300 ms bounds that too: a loaded machine, or the
 * server busy with other test files, can take longer. Only the timeout a test is about is short
 * here, and still far below the test's bound; connecting is not what these tests are about.
 */
const LIVE = { connectTimeoutMs: 10_000, statementTimeoutMs: 1_000 };
let tables = 0;
const freshTable = () => `secorch_unavail_${process.pid}_${++tables}`;

describeWithServer('postgres', STANDARD_PORTS.postgres, 'postgresStore timeouts (PostgreSQL on 127.0.0.1:5432)', () => {
  let admin: Pool;
  beforeAll(() => {
    admin = new Pool({ connectionString: URL, max: 2 });
  });
  afterAll(async () => {
    await admin.end();
  });

  it('a row lock held past the statement timeout: the write rejects with store_unavailable, the server cancels it, and the store goes on', async () => {
    const table = freshTable();
    const store = postgresStore({ connectionString: URL, table, clock, ...LIVE });
    const holder = await admin.connect();
    try {
      await store.put('locked', 'v0');
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${table}" WHERE key = 'locked' FOR UPDATE`);
      expect(await rejection(store.put('locked', 'v1'))).toMatchObject(unavailable('put'));
      const batch = await rejection(store.putAll([{ key: 'a', value: '1' }, { key: 'locked', value: 'v1' }]));
      expect(batch).toMatchObject(unavailable('putAll'));
      expect(batch.message).toMatch(/statement timeout/);
      expect((batch.cause as { code?: string }).code).toBe('57014');
      await holder.query('ROLLBACK');
      // Nothing of the cancelled batch was written; the store's connections still work.
      expect(await store.get('a')).toBeUndefined();
      expect((await store.get('locked'))?.value).toBe('v0');
      expect(await store.putAll([{ key: 'a', value: '2' }, { key: 'locked', value: 'v2' }])).toBe(true);
    } finally {
      holder.release();
      await store.close();
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  }, BOUND_MS * 2);

  it('a connection that goes silent mid-query: the operation rejects with store_unavailable after the query timeout, and the store opens a new one', async () => {
    const table = freshTable();
    const proxy = await freezingProxy(STANDARD_PORTS.postgres);
    const store = postgresStore({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test`, table, clock, ...LIVE, queryTimeoutMs: 1_500 });
    try {
      await store.put('b', '1');
      proxy.freeze();
      const e = await rejection(store.get('b'));
      expect(e).toMatchObject(unavailable('get'));
      expect(e.message).toMatch(/query timeout/);
      expect((await store.get('b'))?.value).toBe('1');
    } finally {
      await store.close();
      await proxy.close();
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  }, BOUND_MS * 2);

  it('bad SQL is not mistaken for an outage: a table name that cannot be created fails as the server says', async () => {
    // A schema that does not exist: 3F000 invalid_schema_name, a configuration error, not a 503.
    const store = postgresStore({ connectionString: URL, table: `no_such_schema_${process.pid}.t`, clock, ...SHORT });
    try {
      const e = await store.get('k').then(() => undefined, (err: unknown) => err);
      expect(e).not.toBeInstanceOf(AppError);
      expect((e as { code?: string }).code).toBe('3F000');
    } finally {
      await store.close();
    }
  });
});
