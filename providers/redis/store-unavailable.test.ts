import { AppError } from '../../shared/errors';
import { fixedClock } from '../../shared/ports/clock';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { blackHole, closedPort, freezingProxy } from '../postgres/net-faults.testkit';
import { startRedisServer } from './server.testkit';
import { redisStore } from './store';

/**
 * Redis unreachable or not answering: every wait is bounded and ends in a typed 503
 * `store_unavailable`, never in a hang until the platform's timeout or a raw driver error (500).
 * The per-test timeouts are the only time bounds: generous, far above the configured 300 ms.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const PASSWORD = 's3cret-Pw-never-shown';
const SHORT = { connectTimeoutMs: 300, commandTimeoutMs: 300 };
const BOUND_MS = 5000;
const clock = fixedClock(START);

const unavailable = (op: string) => ({ name: 'AppError', code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' }, message: expect.stringContaining(op) });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('redisStore when Redis is unreachable', () => {
  it('a server that accepts TCP and never answers: reads and writes reject with store_unavailable after the command timeout, naming no password', async () => {
    const hole = await blackHole();
    const store = redisStore({ url: `redis://:${PASSWORD}@127.0.0.1:${hole.port}/0`, prefix: 'unused:', clock, ...SHORT });
    try {
      for (const [op, run] of [['get', () => store.get('k')], ['put', () => store.put('k', 'v', { ifAbsent: true })]] as const) {
        const e = await rejection(run());
        expect(e).toMatchObject(unavailable(op));
        expect(e.message).toMatch(/command timeout/);
        expect(e.message).not.toContain(PASSWORD);
        expect(e.message).not.toContain(String(hole.port));
      }
    } finally {
      await store.close();
      await hole.close();
    }
  }, BOUND_MS);

  it('a closed port (connection refused), with the default timeouts: every operation rejects with store_unavailable after a few reconnects', async () => {
    const store = redisStore({ url: `redis://:${PASSWORD}@127.0.0.1:${await closedPort()}/0`, prefix: 'unused:', clock });
    try {
      const ops: [string, () => Promise<unknown>][] = [
        ['get', () => store.get('k')],
        ['put', () => store.put('k', 'v')],
        ['putAll', () => store.putAll([{ key: 'k', value: 'v' }])],
        ['list', () => store.list('')],
        ['delete', () => store.delete('k')],
        ['check', () => store.check()],
      ];
      const errors = await Promise.all(ops.map(([, run]) => rejection(run())));
      errors.forEach((e, i) => {
        expect(e).toMatchObject(unavailable(ops[i]![0]));
        expect(e.message).not.toContain(PASSWORD);
      });
    } finally {
      await store.close();
    }
  }, BOUND_MS);

  it('errors of the caller stay as they are: an empty newVersion is a RangeError, not a 503', async () => {
    const store = redisStore({ url: `redis://127.0.0.1:${await closedPort()}/0`, clock, ...SHORT });
    const e = await store.put('k', 'v', { newVersion: '' }).then(() => undefined, (err: unknown) => err);
    expect(e).not.toBeInstanceOf(AppError);
    expect(e).toBeInstanceOf(Error);
    await store.close();
  }, BOUND_MS);
});

describe('redisStore on a Redis out of memory (a redis-server of the test\'s own, maxmemory 1 byte, noeviction)', () => {
  it('a write refused with OOM is a 503 store_unavailable with Retry-After, not a raw ReplyError (a 500, and a rate limiter failing open); reads still work', async () => {
    const server = await startRedisServer(['--maxmemory', '1', '--maxmemory-policy', 'noeviction']);
    const store = redisStore({ url: `redis://127.0.0.1:${server.port}`, prefix: 'oom:', clock });
    try {
      expect(await store.get('k')).toBeUndefined();
      for (const [op, run] of [['put', () => store.put('k', 'v', { ifAbsent: true })], ['putAll', () => store.putAll([{ key: 'k', value: 'v' }])]] as const) {
        const e = await rejection(run());
        expect(e).toMatchObject(unavailable(op));
        expect(e.message).toBe(`Redis state store unavailable during ${op} (server replied OOM); retry shortly`);
        expect(String((e.cause as Error).message)).toMatch(/^OOM command not allowed/);
      }
      expect(await store.get('k')).toBeUndefined(); // nothing was written
    } finally {
      await store.close();
      await server.stop();
    }
  }, BOUND_MS * 2);
});

describeWithServer('redis', STANDARD_PORTS.redis, 'redisStore timeouts (Redis on 127.0.0.1:6379)', () => {
  const prefix = `secorch-unavail:${process.pid}:`;

  it('a store built with the default timeouts works, and close ends its connection', async () => {
    const store = redisStore({ url: `redis://127.0.0.1:${STANDARD_PORTS.redis}`, prefix, clock });
    try {
      expect(await store.put('a', '1', { ifAbsent: true })).toBe(true);
      expect((await store.get('a'))?.value).toBe('1');
      await store.delete('a');
      expect((await store.list('')).items).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a connection that goes silent mid-life: the operation rejects with store_unavailable, and the store replaces the connection', async () => {
    const proxy = await freezingProxy(STANDARD_PORTS.redis);
    // The writes before and after the fault go to the real server and must succeed: 300 ms would
    // bound them too, which a loaded machine can exceed. The command timeout this test is about
    // stays far below the test's bound; connecting is not what it is about.
    const store = redisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix, clock, connectTimeoutMs: 10_000, commandTimeoutMs: 1_000 });
    try {
      expect(await store.put('b', '1')).toBe(true);
      proxy.freeze();
      expect(await rejection(store.get('b'))).toMatchObject(unavailable('get'));
      // The silent connection is dropped, not kept for every later command to time out on.
      let value: string | undefined;
      for (let i = 0; i < 20 && value === undefined; i++) value = await store.get('b').then((item) => item?.value, () => undefined);
      expect(value).toBe('1');
    } finally {
      await store.delete('b').catch(() => undefined);
      await store.close();
      await proxy.close();
    }
  }, BOUND_MS * 2);
});
