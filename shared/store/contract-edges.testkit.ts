import type { StoreUnderTest } from './contract.testkit';

/**
 * Contract cases at the edges of TTL, conditions and paging, run by describeStateStoreContract
 * for every store. `sut` is the current test's store, made by the contract's beforeEach.
 */
export function describeEdgeCases(sut: () => StoreUnderTest): void {
  describe('edges', () => {
    it('a ttl of 0 writes an item that is already gone, and does not block ifAbsent', async () => {
      const { store } = sut();
      expect(await store.put('k', 'v', { ttlSeconds: 0 })).toBe(true);
      expect(await store.get('k')).toBeUndefined();
      expect((await store.list('k')).items).toEqual([]);
      expect(await store.put('k', 'again', { ifAbsent: true })).toBe(true);
    });

    it('a conditional put or a putAll without ttl clears the ttl, and one with a ttl sets it anew', async () => {
      const { store, clock } = sut();
      await store.put('a', 'v', { ttlSeconds: 1 });
      await store.put('b', 'v', { ttlSeconds: 1 });
      const a = (await store.get('a'))!.version;
      expect(await store.put('a', 'v2', { ifVersion: a })).toBe(true);
      expect(await store.putAll([{ key: 'b', value: 'v2' }, { key: 'c', value: 'v', opts: { ttlSeconds: 1 } }])).toBe(true);
      const c = (await store.get('c'))!.version;
      clock.advance(500);
      expect(await store.put('c', 'v2', { ifVersion: c, ttlSeconds: 1 })).toBe(true);
      clock.advance(999);
      expect((await store.get('c'))?.expiresAt).toBe(clock.now() + 1);
      clock.advance(1);
      expect(await store.get('a')).toEqual({ value: 'v2', version: expect.any(String) });
      expect(await store.get('b')).toEqual({ value: 'v2', version: expect.any(String) });
      expect(await store.get('c')).toBeUndefined();
    });

    it('an expired item fails ifVersion inside a putAll too, and the batch writes nothing', async () => {
      const { store, clock } = sut();
      await store.put('lease', 'held', { ttlSeconds: 1 });
      const { version } = (await store.get('lease'))!;
      clock.advance(1000);
      expect(await store.putAll([{ key: 'lease', value: 'late', opts: { ifVersion: version } }, { key: 'other', value: 'x' }])).toBe(false);
      expect(await store.get('other')).toBeUndefined();
    });

    it('a putAll of deletes only removes them all', async () => {
      const { store } = sut();
      await store.put('d/1', 'v');
      await store.put('d/2', 'v', { ttlSeconds: 60 });
      expect(await store.putAll([{ key: 'd/1', delete: true }, { key: 'd/2', delete: true }, { key: 'd/3', delete: true }])).toBe(true);
      expect((await store.list('d/')).items).toEqual([]);
    });

    it('gives no next when every item after a full page has expired', async () => {
      const { store, clock } = sut();
      await store.put('p/1', 'v');
      await store.put('p/2', 'v');
      await store.put('p/3', 'v', { ttlSeconds: 1 });
      await store.put('p/4', 'v', { ttlSeconds: 1 });
      clock.advance(1000);
      expect(await store.list('p/', { limit: 2 })).toEqual({ items: [expect.objectContaining({ key: 'p/1' }), expect.objectContaining({ key: 'p/2' })] });
    });

    it('pages by the cursor alone: keys written or removed between pages, the cursor\'s own included, change no other key\'s page', async () => {
      const { store } = sut();
      for (const k of ['p/b', 'p/d', 'p/f', 'p/h']) await store.put(k, k);
      const first = await store.list('p/', { limit: 2 });
      expect(first.items.map((i) => i.key)).toEqual(['p/b', 'p/d']);
      await store.delete('p/d'); // the cursor itself
      await store.put('p/a', 'before the cursor');
      await store.put('p/e', 'after it');
      await store.delete('p/h');
      const second = await store.list('p/', { limit: 2, after: first.next });
      expect(second.items.map((i) => i.key)).toEqual(['p/e', 'p/f']);
      expect(second.next).toBeUndefined();
    });

    it('a cursor outside the prefix: one before it lists from the start, one after it lists nothing', async () => {
      const { store } = sut();
      for (const k of ['a/1', 'b/1', 'b/2', 'c/1']) await store.put(k, k);
      expect((await store.list('b/', { after: 'a/9' })).items.map((i) => i.key)).toEqual(['b/1', 'b/2']);
      expect((await store.list('b/', { after: 'b0' })).items).toEqual([]);
      expect((await store.list('b/', { after: 'b/1' })).items.map((i) => i.key)).toEqual(['b/2']);
    });

    it('loses no update when concurrent writers each read, change and write back with ifVersion', async () => {
      const { store } = sut();
      await store.put('counter', '0');
      const increment = async () => {
        for (;;) {
          const item = (await store.get('counter'))!;
          if (await store.put('counter', String(Number(item.value) + 1), { ifVersion: item.version })) return;
        }
      };
      await Promise.all(Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 3; i++) await increment();
      }));
      expect((await store.get('counter'))?.value).toBe('30');
    });

    it('keeps a total when concurrent batches each move a unit between two keys with ifVersion', async () => {
      const { store } = sut();
      const keys = ['acct/a', 'acct/b', 'acct/c'];
      for (const k of keys) await store.put(k, '10');
      const move = async (from: string, to: string) => {
        const [f, t] = [(await store.get(from))!, (await store.get(to))!];
        return store.putAll([
          { key: from, value: String(Number(f.value) - 1), opts: { ifVersion: f.version } },
          { key: to, value: String(Number(t.value) + 1), opts: { ifVersion: t.version } },
        ]);
      };
      const moved = await Promise.all(Array.from({ length: 12 }, (_, i) => move(keys[i % 3]!, keys[(i + 1) % 3]!)));
      expect(moved.some(Boolean)).toBe(true);
      const values = await Promise.all(keys.map(async (k) => Number((await store.get(k))!.value)));
      expect(values.reduce((a, b) => a + b)).toBe(30);
    });

    it('lists prefixes holding LIKE and glob characters as plain text', async () => {
      const { store } = sut();
      const keys = ['a%/1', 'a_/1', 'ab/1', 'a\\/1', 'a*/1', 'a?/1', 'a[/1', 'a]/1', 'a^/1', 'a-/1', '[/1', '(/1', '-/1', '+/1'];
      for (const k of keys) await store.put(k, k);
      for (const k of keys) {
        const prefix = k.slice(0, -1);
        expect((await store.list(prefix)).items.map((i) => i.key)).toEqual([k]);
      }
    });
  });
}
