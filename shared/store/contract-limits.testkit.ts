import type { StoreUnderTest } from './contract.testkit';
import { MAX_TTL_SECONDS } from './text-and-ttl';

/**
 * What a store refuses rather than store differently from the others (shared/store/text-and-ttl.ts):
 * text with a lone surrogate, which UTF-8 stores turn into U+FFFD (two keys would be one), and a
 * TTL past MAX_TTL_SECONDS; and the whole milliseconds every expiry is kept in. Run by the memory,
 * PostgreSQL and Redis stores.
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

    it('keeps expiry in whole milliseconds: a fractional ttl is rounded to the nearest', async () => {
      const { store, clock } = sut;
      await store.put('a', 'v', { ttlSeconds: 2.5004 });
      await store.putAll([{ key: 'b', value: 'v', opts: { ttlSeconds: 0.0006 } }]);
      expect((await store.get('a'))?.expiresAt).toBe(clock.now() + 2500);
      expect((await store.get('b'))?.expiresAt).toBe(clock.now() + 1);
      clock.advance(1);
      expect(await store.get('b')).toBeUndefined();
    });
  });
}
