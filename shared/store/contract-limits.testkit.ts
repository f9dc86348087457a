import { MAX_KEY_BYTES, MAX_LIST_LIMIT } from '../ports/store';
import type { StoreUnderTest } from './contract.testkit';
import { MAX_TTL_SECONDS } from './text-and-ttl';

/**
 * What a store refuses rather than store differently from the others (shared/store/text-and-ttl.ts):
 * text with a lone surrogate, which UTF-8 stores turn into U+FFFD (two keys would be one), and a
 * TTL past MAX_TTL_SECONDS, a key no store's layout can hold (shared/ports/store.ts); the whole
 * milliseconds every expiry is kept in, and a list limit read the same way everywhere. Run by
 * every store.
 */
export function describeStateStoreLimits(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`StateStore limits: ${name}`, () => {
    let sut: StoreUnderTest;
    beforeEach(async () => {
      sut = await make();
    });
    afterEach(async () => {
      await sut.close?.();
    });

    it('refuses a key, prefix, cursor or value with a lone surrogate, before writing anything', async () => {
      const { store } = sut;
      for (const bad of ['a\uD800', 'a\uDC00b', '\uDFFF']) {
        await expect(store.put(bad, 'v')).rejects.toThrow(TypeError);
        await expect(store.put('k', `v${bad}`)).rejects.toThrow(TypeError);
        await expect(store.putAll([{ key: 'k', value: 'v' }, { key: bad, value: 'v' }])).rejects.toThrow(TypeError);
        await expect(store.putAll([{ key: 'k', value: 'v' }, { key: bad, delete: true }])).rejects.toThrow(TypeError);
        await expect(store.get(bad)).rejects.toThrow(TypeError);
        await expect(store.delete(bad)).rejects.toThrow(TypeError);
        await expect(store.list(bad)).rejects.toThrow(TypeError);
        await expect(store.list('a', { after: bad })).rejects.toThrow(TypeError);
      }
      expect(await store.get('k')).toBeUndefined();
      expect(await store.get('a\uFFFD')).toBeUndefined();
      // A surrogate pair is one character, not two lone ones.
      expect(await store.put('a\uD83D\uDD11', 'v\uD83D\uDD11')).toBe(true);
      expect((await store.get('a\uD83D\uDD11'))?.value).toBe('v\uD83D\uDD11');
    });

    it(`refuses a ttl over ${MAX_TTL_SECONDS} s, before writing anything, and takes one of exactly that`, async () => {
      const { store, clock } = sut;
      for (const ttlSeconds of [1e16, 1e300, MAX_TTL_SECONDS + 1]) {
        const batch = [{ key: 'plain', value: 'v' }, { key: 'k', value: 'v', opts: { ttlSeconds } }];
        // Nothing of the batch is written (a Redis script failing at this write would leave the one before it written).
        await expect(store.putAll(batch)).rejects.toThrow();
        expect(await store.get('plain')).toBeUndefined();
        expect(await store.get('k')).toBeUndefined();
        await expect(store.putAll(batch)).rejects.toThrow(RangeError);
        await expect(store.put('k', 'v', { ttlSeconds })).rejects.toThrow(RangeError);
        expect(await store.get('k')).toBeUndefined();
      }
      expect(await store.put('k', 'v', { ttlSeconds: MAX_TTL_SECONDS })).toBe(true);
      expect(await store.get('k')).toEqual({ value: 'v', version: expect.any(String), expiresAt: clock.now() + MAX_TTL_SECONDS * 1000 });
    });

    it(`takes keys of 1 to ${MAX_KEY_BYTES} bytes of UTF-8 and refuses others as store_key_invalid, before writing anything`, async () => {
      const { store } = sut;
      const longest = ['\u00e9'.repeat(MAX_KEY_BYTES / 2), '\u{1F511}'.repeat(MAX_KEY_BYTES / 4), `k${'x'.repeat(MAX_KEY_BYTES - 1)}`];
      for (const key of longest) {
        expect(await store.put(key, key, { ifAbsent: true })).toBe(true);
        expect((await store.get(key))?.value).toBe(key);
      }
      expect((await store.list('k')).items.map((i) => i.key)).toEqual([longest[2]]);
      const invalid = { code: 'store_key_invalid', status: 500, retryable: false };
      // One byte over: a two-byte character, an ASCII one, a four-byte one (a surrogate pair).
      for (const bad of ['', `${longest[0]}x`, `k${'x'.repeat(MAX_KEY_BYTES)}`, `${'\u00e9'.repeat(MAX_KEY_BYTES / 2 - 1)}\u{1F511}`]) {
        await expect(store.put(bad, 'v')).rejects.toMatchObject(invalid);
        await expect(store.get(bad)).rejects.toMatchObject(invalid);
        await expect(store.delete(bad)).rejects.toMatchObject(invalid);
        await expect(store.putAll([{ key: 'ok', value: 'v' }, { key: bad, value: 'v' }])).rejects.toMatchObject(invalid);
        await expect(store.putAll([{ key: 'ok', value: 'v' }, { key: bad, delete: true }])).rejects.toMatchObject(invalid);
      }
      expect(await store.get('ok')).toBeUndefined();
      await store.delete(longest[0]!);
      expect(await store.get(longest[0]!)).toBeUndefined();
    });

    it(`reads a list limit as a whole number from 1 to ${MAX_LIST_LIMIT}: a fraction is cut, NaN is the default`, async () => {
      const { store } = sut;
      for (const key of ['p/1', 'p/2', 'p/3']) await store.put(key, key);
      const keys = async (limit: number) => {
        const page = await store.list('p/', { limit });
        return [page.items.map((i) => i.key), page.next];
      };
      expect(await keys(1.5)).toEqual([['p/1'], 'p/1']);
      expect(await keys(2.999)).toEqual([['p/1', 'p/2'], 'p/2']);
      expect(await keys(0.5)).toEqual([['p/1'], 'p/1']);
      expect(await keys(0)).toEqual([['p/1'], 'p/1']);
      expect(await keys(-3)).toEqual([['p/1'], 'p/1']);
      expect(await keys(Number.NEGATIVE_INFINITY)).toEqual([['p/1'], 'p/1']);
      expect(await keys(Number.NaN)).toEqual([['p/1', 'p/2', 'p/3'], undefined]);
      expect(await keys(Number.POSITIVE_INFINITY)).toEqual([['p/1', 'p/2', 'p/3'], undefined]);
      expect(await keys(1e300)).toEqual([['p/1', 'p/2', 'p/3'], undefined]);
    });

    it('keeps expiry in whole milliseconds: a fractional ttl is rounded to the nearest', async () => {
      const { store, clock } = sut;
      await store.put('a', 'v', { ttlSeconds: 2.5004 });
      await store.putAll([{ key: 'b', value: 'v', opts: { ttlSeconds: 0.0006 } }]);
      await store.put('c', 'v', { ttlSeconds: 0.0015 });
      expect((await store.get('c'))?.expiresAt).toBe(clock.now() + 2);
      expect((await store.get('a'))?.expiresAt).toBe(clock.now() + 2500);
      expect((await store.get('b'))?.expiresAt).toBe(clock.now() + 1);
      clock.advance(1);
      expect(await store.get('b')).toBeUndefined();
    });
  });
}
