import type { StoreUnderTest } from './contract.testkit';

/**
 * Contract cases for putAll, run by describeStateStoreContract for every store: a batch of puts
 * and deletes is written whole or not at all, under concurrent batches too, and an ill-formed
 * batch is refused. `sut` is the current test's store, made by the contract's beforeEach.
 */
export function describeBatchCases(sut: () => StoreUnderTest): void {
  describe('putAll', () => {
    it('writes every item when all conditions hold', async () => {
      const { store, clock } = sut();
      await store.put('b', 'old');
      const version = (await store.get('b'))!.version;
      const ok = await store.putAll([
        { key: 'a', value: '1', opts: { ifAbsent: true, ttlSeconds: 60 } },
        { key: 'b', value: '2', opts: { ifVersion: version } },
        { key: 'c', value: '3' },
      ]);
      expect(ok).toBe(true);
      expect([(await store.get('a'))?.value, (await store.get('b'))?.value, (await store.get('c'))?.value]).toEqual(['1', '2', '3']);
      expect((await store.get('a'))?.expiresAt).toBe(clock.now() + 60_000);
    });

    it('writes nothing when one condition fails', async () => {
      const { store } = sut();
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
      const { store, clock } = sut();
      await store.put('k', 'old', { ttlSeconds: 1 });
      clock.advance(1000);
      expect(await store.putAll([{ key: 'k', value: 'new', opts: { ifAbsent: true } }])).toBe(true);
      expect((await store.get('k'))?.value).toBe('new');
    });

    it('lets exactly one of 10 concurrent overlapping claims win', async () => {
      const { store } = sut();
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
      const { store } = sut();
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
      const { store } = sut();
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
      const { store } = sut();
      await expect(store.putAll([{ key: 'k', value: '1' }, { key: 'k', delete: true }])).rejects.toThrow(RangeError);
    });

    it('refuses more than 25 writes and repeated keys', async () => {
      const { store } = sut();
      const many = Array.from({ length: 26 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
      await expect(store.putAll(many)).rejects.toThrow(RangeError);
      await expect(store.putAll([{ key: 'k', value: '1' }, { key: 'k', value: '2' }])).rejects.toThrow(RangeError);
      expect(await store.get('k0')).toBeUndefined();
    });
  });
}
