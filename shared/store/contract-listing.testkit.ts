import type { StoreUnderTest } from './contract.testkit';

/**
 * Contract cases for list, run by describeStateStoreContract for every store: live items under a
 * prefix, in key order, paged by a cursor. `sut` is the current test's store, made by the
 * contract's beforeEach.
 */
export function describeListingCases(sut: () => StoreUnderTest): void {
  describe('list', () => {
    it('returns live items under the prefix only, in key order', async () => {
      const { store, clock } = sut();
      for (const key of ['sub/t1/b', 'sub/t1/a', 'sub/t2/a', 'sub/t1', 'sub/t10/x', 'other/t1/a']) await store.put(key, key);
      await store.put('sub/t1/expired', 'x', { ttlSeconds: 1 });
      clock.advance(1000);
      const page = await store.list('sub/t1/');
      expect(page.items.map((i) => i.key)).toEqual(['sub/t1/a', 'sub/t1/b']);
      expect(page.items[0]).toEqual(expect.objectContaining({ value: 'sub/t1/a', version: expect.any(String) }));
      expect(page.next).toBeUndefined();
    });

    it('pages through every item exactly once', async () => {
      const { store } = sut();
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
      const { store } = sut();
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
      const { store } = sut();
      await store.put('a', 'v');
      expect(await store.list('zz/')).toEqual({ items: [] });
    });
  });
}
