import Redis from 'ioredis';
import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { describeWithServer, STANDARD_PORTS } from '../../test/support/local-servers';
import { redisStore } from './store';

/**
 * Runs against the Redis on 127.0.0.1:6379. Every test uses its own key prefix and deletes its
 * keys at the end, so concurrent runs and other users of the server never collide.
 */
const URL = 'redis://127.0.0.1:6379';
const START = Date.parse('2026-01-01T00:00:00Z');
let prefixes = 0;
const freshPrefix = () => `secorch-test:${process.pid}:${++prefixes}:`;

describeWithServer('redis', STANDARD_PORTS.redis, 'redisStore (Redis on 127.0.0.1:6379)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(URL);
  });
  afterAll(async () => {
    await admin.quit();
  });
  const keysOf = (prefix: string) => admin.keys(`${prefix}*`);
  const clean = async (prefix: string) => {
    const keys = await keysOf(prefix);
    if (keys.length > 0) await admin.del(...keys);
  };

  const fresh = async () => {
    const clock = fixedClock(START);
    const prefix = freshPrefix();
    const store = redisStore({ url: URL, prefix, clock });
    return {
      store,
      clock,
      close: async () => {
        await store.close();
        await clean(prefix);
      },
    };
  };
  describeStateStoreContract('redis', fresh);
  describeStateStoreLimits('redis', fresh);

  it('keeps its keys under its prefix: one hash per item, one index, and one expiry set for items with a ttl', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: admin, prefix, clock: fixedClock(START) });
    await store.put('a/b', 'v');
    await store.put('c', 'w', { ttlSeconds: 5 });
    expect((await keysOf(prefix)).sort()).toEqual([`${prefix}exp`, `${prefix}i:a/b`, `${prefix}i:c`, `${prefix}idx`]);
    expect(await admin.zrange(`${prefix}exp`, 0, '-1', 'WITHSCORES')).toEqual(['c', String(await admin.pexpiretime(`${prefix}i:c`))]);
    expect(await admin.hgetall(`${prefix}i:c`)).toEqual({ v: 'w', ver: expect.any(String), exp: String(START + 5000) });
    await store.close(); // a client passed in stays open: its owner quits it
    expect(await admin.ping()).toBe('PONG');
    await clean(prefix);
  });

  it('sets native expiry only as garbage collection, by the real clock, after the ttl plus margin', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: admin, prefix, clock: fixedClock(START), gcMarginMs: 600_000 });
    const before = Date.now();
    await store.put('ttl', 'v', { ttlSeconds: 60 });
    await store.put('plain', 'v');
    const expireAt = await admin.pexpiretime(`${prefix}i:ttl`);
    expect(expireAt).toBeGreaterThanOrEqual(before + 660_000);
    expect(expireAt).toBeLessThanOrEqual(Date.now() + 660_000);
    expect(await admin.pexpiretime(`${prefix}i:plain`)).toBe(-1);
    await store.put('ttl', 'v2'); // a later put without ttl clears the native expiry too
    expect(await admin.pexpiretime(`${prefix}i:ttl`)).toBe(-1);

    const none = redisStore({ client: admin, prefix, clock: fixedClock(START), gcMarginMs: false });
    await none.put('kept', 'v', { ttlSeconds: 1 });
    expect(await admin.pexpiretime(`${prefix}i:kept`)).toBe(-1);
    await clean(prefix);
  });

  it('skips and prunes index entries whose item was collected', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: admin, prefix, clock: fixedClock(START) });
    for (const k of ['p/1', 'p/2', 'p/3', 'p/4']) await store.put(k, k);
    await admin.del(`${prefix}i:p/1`, `${prefix}i:p/2`); // as PEXPIREAT would
    expect(await store.list('p/', { limit: 1 })).toEqual({ items: [expect.objectContaining({ key: 'p/3' })], next: 'p/3' });
    expect(await admin.zrange(`${prefix}idx`, 0, '-1')).toEqual(['p/3', 'p/4']);
    await clean(prefix);
  });

  it('drops the index entries of items Redis expired, also under prefixes nobody lists', async () => {
    // Events, rate-limit buckets and claims are written with a ttl and read by key, never
    // listed: their index entries must go with their items, or the index grows with every write.
    const prefix = freshPrefix();
    const store = redisStore({ client: admin, prefix, clock: fixedClock(START), gcMarginMs: 0, random: () => 0 });
    for (let i = 0; i < 40; i++) await store.put(`evt/${i}`, 'e', { ttlSeconds: 0 }); // native expiry: now
    await store.put('evt/kept', 'e', { ttlSeconds: 3600 });
    await store.put('plain', 'p');
    for (let i = 0; i < 300; i++) await store.put(`w/${i % 5}`, 'v');
    expect(await admin.zrange(`${prefix}idx`, 0, '-1')).toEqual(['evt/kept', 'plain', 'w/0', 'w/1', 'w/2', 'w/3', 'w/4']);
    expect((await keysOf(prefix)).filter((k) => k.startsWith(`${prefix}i:`)).sort()).toEqual(
      ['evt/kept', 'plain', 'w/0', 'w/1', 'w/2', 'w/3', 'w/4'].map((k) => `${prefix}i:${k}`));
    expect(await admin.zrange(`${prefix}exp`, 0, '-1')).toEqual(['evt/kept']);
    expect((await store.get('evt/kept'))?.value).toBe('e');
    await clean(prefix);
  });

  it('collects in short-lived instances too: each starts its write count at a random point of the interval', async () => {
    const prefix = freshPrefix();
    const seed = redisStore({ client: admin, prefix, clock: fixedClock(START), gcMarginMs: 0, random: () => 0 });
    for (let i = 0; i < 5; i++) await seed.put(`evt/${i}`, 'e', { ttlSeconds: 0 }); // native expiry: now
    // A fresh instance that writes once: with its count starting at the interval's last step,
    // that one write runs a collection. Counting from zero, it never would.
    const brief = redisStore({ client: admin, prefix, clock: fixedClock(START), gcMarginMs: 0, random: () => 255 / 256 });
    await brief.put('one', 'v');
    expect(await admin.zrange(`${prefix}idx`, 0, '-1')).toEqual(['one']);
    await clean(prefix);
  });

  it('removes a deleted item\'s hash and index entry in the batch\'s script run, and neither when a condition fails', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: admin, prefix, clock: fixedClock(START) });
    for (const k of ['d/1', 'd/2', 'lease']) await store.put(k, k);
    expect(await store.putAll([{ key: 'lease', value: 'x', opts: { ifVersion: 'stale' } }, { key: 'd/1', delete: true }])).toBe(false);
    expect(await admin.zrange(`${prefix}idx`, 0, '-1')).toEqual(['d/1', 'd/2', 'lease']);
    expect(await admin.exists(`${prefix}i:d/1`)).toBe(1);
    expect(await store.putAll([{ key: 'lease', value: 'x' }, { key: 'd/1', delete: true }, { key: 'd/3', delete: true }])).toBe(true);
    expect(await admin.zrange(`${prefix}idx`, 0, '-1')).toEqual(['d/2', 'lease']);
    expect((await keysOf(prefix)).sort()).toEqual([`${prefix}i:d/2`, `${prefix}i:lease`, `${prefix}idx`]);
    await clean(prefix);
  });

  it('lets exactly one of two clients win each ifAbsent key', async () => {
    const prefix = freshPrefix();
    const clock = fixedClock(START);
    const [a, b] = [redisStore({ url: URL, prefix, clock }), redisStore({ url: URL, prefix, clock })];
    for (let i = 0; i < 30; i++) {
      const wins = await Promise.all([a.put(`k${i}`, 'a', { ifAbsent: true }), b.put(`k${i}`, 'b', { ifAbsent: true })]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await b.get(`k${i}`))?.value).toBe(wins[0] ? 'a' : 'b');
    }
    await a.close();
    await b.close();
    await clean(prefix);
  });

  it('lists non-ASCII prefixes exactly, in code point order, and pages past expired items', async () => {
    const prefix = freshPrefix();
    const clock = fixedClock(START);
    const store = redisStore({ client: admin, prefix, clock });
    for (const key of ['é/2', 'é/1', 'é0', 'ê/1', '🔑/b', '🔑/a', '🔒', 'z/\uffff', 'z/🔑']) await store.put(key, key);
    for (let i = 0; i < 30; i++) await store.put(`e/${String(i).padStart(2, '0')}`, 'x', { ttlSeconds: 1 });
    await store.put('e/99', 'live');
    clock.advance(1000);
    const keys = async (p: string) => (await store.list(p)).items.map((i) => i.key);
    expect(await keys('é/')).toEqual(['é/1', 'é/2']);
    expect(await keys('🔑')).toEqual(['🔑/a', '🔑/b']);
    expect(await keys('z/')).toEqual(['z/\uffff', 'z/🔑']); // code points (UTF-8 bytes), see README
    expect(await store.list('e/', { limit: 2 })).toEqual({ items: [expect.objectContaining({ key: 'e/99', value: 'live' })] });
    await clean(prefix);
  });

  it('reports a server that is down through check()', async () => {
    const store = redisStore({ client: new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }), clock: fixedClock(START) });
    await expect(store.check()).rejects.toThrow();
  });
});
