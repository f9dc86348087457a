import type { StoreUnderTest } from './contract.testkit';

/**
 * Contract cases for conditional writes and versions, run by describeStateStoreContract for
 * every store: a version the writer chooses (newVersion), ifAbsent and ifVersion, each alone and
 * under concurrent writers. `sut` is the current test's store, made by the contract's beforeEach.
 */
export function describeNewVersionCases(sut: () => StoreUnderTest): void {
  describe('newVersion', () => {
    it('is the version the write gives the item, so the writer can write on it without a read', async () => {
      const { store } = sut();
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
      const { store } = sut();
      await expect(store.put('k', 'v', { newVersion: '' })).rejects.toThrow(RangeError);
      await expect(store.putAll([{ key: 'k', value: 'v', opts: { newVersion: 'x'.repeat(65) } }])).rejects.toThrow(RangeError);
      expect(await store.get('k')).toBeUndefined();
    });
  });
}

export function describeConditionCases(sut: () => StoreUnderTest): void {
  describe('ifAbsent', () => {
    it('writes once and keeps the first value', async () => {
      const { store } = sut();
      expect(await store.put('k', 'first', { ifAbsent: true })).toBe(true);
      expect(await store.put('k', 'second', { ifAbsent: true })).toBe(false);
      expect((await store.get('k'))?.value).toBe('first');
    });

    it('lets exactly one of 10 concurrent puts win', async () => {
      const { store } = sut();
      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.put('race', `writer-${i}`, { ifAbsent: true })),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await store.get('race'))?.value).toBe(`writer-${wins.indexOf(true)}`);
    });
  });

  describe('ifVersion', () => {
    it('writes when the version matches', async () => {
      const { store } = sut();
      await store.put('k', 'v1');
      const { version } = (await store.get('k'))!;
      expect(await store.put('k', 'v2', { ifVersion: version })).toBe(true);
      const after = await store.get('k');
      expect(after?.value).toBe('v2');
      expect(after?.version).not.toBe(version);
    });

    it('returns false and writes nothing for a stale version', async () => {
      const { store } = sut();
      await store.put('k', 'v1');
      const stale = (await store.get('k'))!.version;
      await store.put('k', 'v2');
      const current = (await store.get('k'))!;
      expect(await store.put('k', 'v3', { ifVersion: stale })).toBe(false);
      expect(await store.get('k')).toEqual(current);
    });

    it('returns false for a missing key and creates nothing', async () => {
      const { store } = sut();
      expect(await store.put('missing', 'v', { ifVersion: '1' })).toBe(false);
      expect(await store.get('missing')).toBeUndefined();
    });

    it('does not match a version from before a delete', async () => {
      const { store } = sut();
      await store.put('k', 'v1');
      const old = (await store.get('k'))!.version;
      await store.delete('k');
      await store.put('k', 'v2');
      expect(await store.put('k', 'v3', { ifVersion: old })).toBe(false);
      expect((await store.get('k'))?.value).toBe('v2');
    });

    it('never writes when ifAbsent and ifVersion are both given (no item can meet both)', async () => {
      const { store } = sut();
      expect(await store.put('k', 'v', { ifAbsent: true, ifVersion: 'any' })).toBe(false);
      expect(await store.get('k')).toBeUndefined();
      await store.put('k', 'v1');
      const current = (await store.get('k'))!;
      expect(await store.put('k', 'v2', { ifAbsent: true, ifVersion: current.version })).toBe(false);
      expect(await store.get('k')).toEqual(current);
    });

    it('lets exactly one of 10 concurrent puts with the same version win', async () => {
      const { store } = sut();
      await store.put('k', 'v0');
      const { version } = (await store.get('k'))!;
      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.put('k', `writer-${i}`, { ifVersion: version })),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await store.get('k'))?.value).toBe(`writer-${wins.indexOf(true)}`);
    });
  });
}
