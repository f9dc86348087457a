import type { fixedClock } from '../ports/clock';
import type { StateStore } from '../ports/store';
import { describeEdgeCases } from './contract-edges.testkit';

/**
 * The contract every StateStore implementation passes: memory, SQLite, and the cloud stores
 * (DynamoDB, Azure Table, Redis, PostgreSQL, Firestore) run these same cases. Idempotency and
 * replay protection rely on exactly these semantics, so an implementation that needs a case
 * relaxed has a bug, not a special case. `make` returns a fresh, empty store per test and the
 * fixed clock it reads; TTLs are judged by that clock only.
 */
export interface StoreUnderTest {
  store: StateStore;
  clock: ReturnType<typeof fixedClock>;
  close?: () => Promise<void>;
}

export function describeStateStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`StateStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: StateStore;
    beforeEach(async () => {
      sut = await make();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.close?.();
    });

    it('returns undefined for a missing key', async () => {
      expect(await store.get('missing')).toBeUndefined();
    });

    it('returns what was put, with a version and no expiry', async () => {
      expect(await store.put('k', '{"a":1}')).toBe(true);
      const item = await store.get('k');
      expect(item).toEqual({ value: '{"a":1}', version: expect.any(String) });
      expect(item?.version).not.toBe('');
    });

    it('changes the version on every write, even of the same value', async () => {
      await store.put('k', 'same');
      const v1 = (await store.get('k'))?.version;
      await store.put('k', 'same');
      const v2 = (await store.get('k'))?.version;
      expect(v1).toBeDefined();
      expect(v2).toBeDefined();
      expect(v2).not.toBe(v1);
    });

    describe('newVersion', () => {
      it('is the version the write gives the item, so the writer can write on it without a read', async () => {
        expect(await store.put('k', 'v1', { newVersion: 'ver-put-1' })).toBe(true);
        expect((await store.get('k'))?.version).toBe('ver-put-1');
        expect(await store.putAll([{ key: 'k', value: 'v2', opts: { ifVersion: 'ver-put-1', newVersion: 'ver-lease-2' } }, { key: 'other', value: 'o' }])).toBe(true);
        expect(await store.get('k')).toEqual({ value: 'v2', version: 'ver-lease-2' });
        expect(await store.put('k', 'v3', { ifVersion: 'ver-lease-2' })).toBe(true);
        const item = await store.get('k');
        expect(item?.value).toBe('v3');
        expect(item?.version).not.toBe('ver-lease-2');
        expect((await store.list('k')).items[0]?.version).toBe(item?.version);
      });

      it('is refused when empty or too long', async () => {
        await expect(store.put('k', 'v', { newVersion: '' })).rejects.toThrow(RangeError);
        await expect(store.putAll([{ key: 'k', value: 'v', opts: { newVersion: 'x'.repeat(65) } }])).rejects.toThrow(RangeError);
        expect(await store.get('k')).toBeUndefined();
      });
    });

    it('refuses a ttlSeconds that is not a finite number of seconds, before writing anything', async () => {
      // Each store read NaN or Infinity its own way (an SQL error, a script error, an item that never expired).
      for (const ttlSeconds of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
        await expect(store.put('k', 'v', { ttlSeconds })).rejects.toThrow(RangeError);
        await expect(store.putAll([{ key: 'k', value: 'v', opts: { ttlSeconds } }])).rejects.toThrow(RangeError);
      }
      expect(await store.get('k')).toBeUndefined();
    });

    describe('ttl', () => {
      it('is visible before expiry and gone at expiry by the injected clock', async () => {
        const start = sut.clock.now();
        await store.put('k', 'v', { ttlSeconds: 10 });
        expect(await store.get('k')).toEqual({ value: 'v', version: expect.any(String), expiresAt: start + 10_000 });
        sut.clock.advance(9_999);
        expect((await store.get('k'))?.value).toBe('v');
        sut.clock.advance(1);
        expect(await store.get('k')).toBeUndefined();
        sut.clock.advance(60_000);
        expect(await store.get('k')).toBeUndefined();
      });

      it('no longer blocks ifAbsent once expired', async () => {
        await store.put('k', 'old', { ttlSeconds: 1 });
        expect(await store.put('k', 'blocked', { ifAbsent: true })).toBe(false);
        sut.clock.advance(1_000);
        expect(await store.put('k', 'new', { ifAbsent: true })).toBe(true);
        expect(await store.get('k')).toEqual({ value: 'new', version: expect.any(String) });
      });

      it('is cleared by a later put without ttl', async () => {
        await store.put('k', 'v1', { ttlSeconds: 1 });
        await store.put('k', 'v2');
        sut.clock.advance(5_000);
        expect(await store.get('k')).toEqual({ value: 'v2', version: expect.any(String) });
      });

      it('makes an expired item fail ifVersion', async () => {
        await store.put('k', 'v', { ttlSeconds: 1 });
        const version = (await store.get('k'))!.version;
        sut.clock.advance(1_000);
        expect(await store.put('k', 'late', { ifVersion: version })).toBe(false);
        expect(await store.get('k')).toBeUndefined();
      });
    });

    describe('ifAbsent', () => {
      it('writes once and keeps the first value', async () => {
        expect(await store.put('k', 'first', { ifAbsent: true })).toBe(true);
        expect(await store.put('k', 'second', { ifAbsent: true })).toBe(false);
        expect((await store.get('k'))?.value).toBe('first');
      });

      it('lets exactly one of 10 concurrent puts win', async () => {
        const wins = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.put('race', `writer-${i}`, { ifAbsent: true })),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect((await store.get('race'))?.value).toBe(`writer-${wins.indexOf(true)}`);
      });
    });

    describe('ifVersion', () => {
      it('writes when the version matches', async () => {
        await store.put('k', 'v1');
        const { version } = (await store.get('k'))!;
        expect(await store.put('k', 'v2', { ifVersion: version })).toBe(true);
        const after = await store.get('k');
        expect(after?.value).toBe('v2');
        expect(after?.version).not.toBe(version);
      });

      it('returns false and writes nothing for a stale version', async () => {
        await store.put('k', 'v1');
        const stale = (await store.get('k'))!.version;
        await store.put('k', 'v2');
        const current = (await store.get('k'))!;
        expect(await store.put('k', 'v3', { ifVersion: stale })).toBe(false);
        expect(await store.get('k')).toEqual(current);
      });

      it('returns false for a missing key and creates nothing', async () => {
        expect(await store.put('missing', 'v', { ifVersion: '1' })).toBe(false);
        expect(await store.get('missing')).toBeUndefined();
      });

      it('does not match a version from before a delete', async () => {
        await store.put('k', 'v1');
        const old = (await store.get('k'))!.version;
        await store.delete('k');
        await store.put('k', 'v2');
        expect(await store.put('k', 'v3', { ifVersion: old })).toBe(false);
        expect((await store.get('k'))?.value).toBe('v2');
      });

      it('never writes when ifAbsent and ifVersion are both given (no item can meet both)', async () => {
        expect(await store.put('k', 'v', { ifAbsent: true, ifVersion: 'any' })).toBe(false);
        expect(await store.get('k')).toBeUndefined();
        await store.put('k', 'v1');
        const current = (await store.get('k'))!;
        expect(await store.put('k', 'v2', { ifAbsent: true, ifVersion: current.version })).toBe(false);
        expect(await store.get('k')).toEqual(current);
      });

      it('lets exactly one of 10 concurrent puts with the same version win', async () => {
        await store.put('k', 'v0');
        const { version } = (await store.get('k'))!;
        const wins = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.put('k', `writer-${i}`, { ifVersion: version })),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect((await store.get('k'))?.value).toBe(`writer-${wins.indexOf(true)}`);
      });
    });

    it('deletes, and deleting a missing key resolves', async () => {
      await store.put('k', 'v');
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
      await expect(store.delete('never-existed')).resolves.toBeUndefined();
      expect(await store.put('k', 'again', { ifAbsent: true })).toBe(true);
    });

    it('handles keys with unusual characters as distinct keys', async () => {
      const keys = ['tenant:a/source:b', 'a/b/c', 'a:b', 'clé-键-🔑', 'Key', 'key', 'x'.repeat(500), 'q?#%\\ "\''];
      for (const [i, key] of keys.entries()) expect(await store.put(key, `v${i}`, { ifAbsent: true })).toBe(true);
      for (const [i, key] of keys.entries()) expect((await store.get(key))?.value).toBe(`v${i}`);
      expect(await store.get('x'.repeat(499))).toBeUndefined();
    });

    it('stores values verbatim', async () => {
      const value = JSON.stringify({ text: 'línea 1\nline 2 🔐', nul: '\u0000', big: 'z'.repeat(16_384) });
      await store.put('k', value);
      expect((await store.get('k'))?.value).toBe(value);
    });

    describe('putAll', () => {
      it('writes every item when all conditions hold', async () => {
        await store.put('b', 'old');
        const version = (await store.get('b'))!.version;
        const ok = await store.putAll([
          { key: 'a', value: '1', opts: { ifAbsent: true, ttlSeconds: 60 } },
          { key: 'b', value: '2', opts: { ifVersion: version } },
          { key: 'c', value: '3' },
        ]);
        expect(ok).toBe(true);
        expect([(await store.get('a'))?.value, (await store.get('b'))?.value, (await store.get('c'))?.value]).toEqual(['1', '2', '3']);
        expect((await store.get('a'))?.expiresAt).toBe(sut.clock.now() + 60_000);
      });

      it('writes nothing when one condition fails', async () => {
        await store.put('taken', 'first');
        const ok = await store.putAll([
          { key: 'free', value: 'x', opts: { ifAbsent: true } },
          { key: 'taken', value: 'y', opts: { ifAbsent: true } },
          { key: 'plain', value: 'z' },
        ]);
        expect(ok).toBe(false);
        expect(await store.get('free')).toBeUndefined();
        expect(await store.get('plain')).toBeUndefined();
        expect((await store.get('taken'))?.value).toBe('first');
      });

      it('treats an expired item as absent', async () => {
        await store.put('k', 'old', { ttlSeconds: 1 });
        sut.clock.advance(1000);
        expect(await store.putAll([{ key: 'k', value: 'new', opts: { ifAbsent: true } }])).toBe(true);
        expect((await store.get('k'))?.value).toBe('new');
      });

      it('lets exactly one of 10 concurrent overlapping claims win', async () => {
        const wins = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.putAll([
            { key: `own-${i}`, value: `${i}`, opts: { ifAbsent: true } },
            { key: 'shared', value: `${i}`, opts: { ifAbsent: true } },
          ])),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        const winner = wins.indexOf(true);
        expect((await store.get('shared'))?.value).toBe(`${winner}`);
        for (let i = 0; i < 10; i++) expect(await store.get(`own-${i}`)).toEqual(i === winner ? expect.objectContaining({ value: `${i}` }) : undefined);
      });

      it('deletes in the same step as it puts, and a delete of an absent key is no error', async () => {
        await store.put('lease', 'held');
        const version = (await store.get('lease'))!.version;
        await store.put('due/1', '');
        await store.put('due/2', '', { ttlSeconds: 60 });
        const ok = await store.putAll([
          { key: 'lease', value: 'done', opts: { ifVersion: version } },
          { key: 'due/1', delete: true },
          { key: 'due/2', delete: true },
          { key: 'due/never-written', delete: true },
        ]);
        expect(ok).toBe(true);
        expect((await store.get('lease'))?.value).toBe('done');
        expect(await store.get('due/1')).toBeUndefined();
        expect(await store.get('due/2')).toBeUndefined();
        expect((await store.list('due/')).items).toEqual([]);
        // A deleted key is absent: ifAbsent can take it again.
        expect(await store.put('due/1', 'again', { ifAbsent: true })).toBe(true);
      });

      it('deletes nothing when a condition in the batch fails', async () => {
        await store.put('lease', 'held');
        await store.put('due/1', 'keep');
        const ok = await store.putAll([
          { key: 'lease', value: 'done', opts: { ifVersion: 'not-the-version' } },
          { key: 'due/1', delete: true },
        ]);
        expect(ok).toBe(false);
        expect((await store.get('due/1'))?.value).toBe('keep');
        expect((await store.get('lease'))?.value).toBe('held');
      });

      it('refuses a delete and a put of the same key in one batch', async () => {
        await expect(store.putAll([{ key: 'k', value: '1' }, { key: 'k', delete: true }])).rejects.toThrow(RangeError);
      });

      it('refuses more than 25 writes and repeated keys', async () => {
        const many = Array.from({ length: 26 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
        await expect(store.putAll(many)).rejects.toThrow(RangeError);
        await expect(store.putAll([{ key: 'k', value: '1' }, { key: 'k', value: '2' }])).rejects.toThrow(RangeError);
        expect(await store.get('k0')).toBeUndefined();
      });
    });

    describe('list', () => {
      it('returns live items under the prefix only, in key order', async () => {
        for (const key of ['sub/t1/b', 'sub/t1/a', 'sub/t2/a', 'sub/t1', 'sub/t10/x', 'other/t1/a']) await store.put(key, key);
        await store.put('sub/t1/expired', 'x', { ttlSeconds: 1 });
        sut.clock.advance(1000);
        const page = await store.list('sub/t1/');
        expect(page.items.map((i) => i.key)).toEqual(['sub/t1/a', 'sub/t1/b']);
        expect(page.items[0]).toEqual(expect.objectContaining({ value: 'sub/t1/a', version: expect.any(String) }));
        expect(page.next).toBeUndefined();
      });

      it('pages through every item exactly once', async () => {
        const keys = Array.from({ length: 23 }, (_, i) => `d/${String(i).padStart(3, '0')}`);
        for (const key of [...keys].reverse()) await store.put(key, 'v');
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.list('d/', { limit: 5, after });
          seen.push(...page.items.map((i) => i.key));
          expect(page.items.length).toBeLessThanOrEqual(5);
          if (!page.next) break;
          after = page.next;
        }
        expect(seen).toEqual(keys);
      });

      it('lists keys that continue the prefix with a character outside the Basic Multilingual Plane', async () => {
        const under = ['p/a', 'p/\uFF21', 'p/\u{1F511}', 'p/\u{1F511}/x', 'p/\u{1F511}\u{1F511}'];
        for (const key of [...under, 'p', 'p0', 'q/\u{1F511}']) await store.put(key, key);
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.list('p/', { limit: 2, after });
          seen.push(...page.items.map((i) => i.key));
          if (!page.next) break;
          after = page.next;
        }
        // Which keys, not their order: UTF-8 byte order and UTF-16 code-unit order differ here.
        expect([...seen].sort()).toEqual([...under].sort());
        expect((await store.list('p/\u{1F511}')).items.map((i) => i.key).sort()).toEqual(['p/\u{1F511}', 'p/\u{1F511}/x', 'p/\u{1F511}\u{1F511}'].sort());
      });

      it('answers an empty page for an unknown prefix', async () => {
        await store.put('a', 'v');
        expect(await store.list('zz/')).toEqual({ items: [] });
      });
    });

    it('check() resolves', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });

    describeEdgeCases(() => sut);
  });
}
