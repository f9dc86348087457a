import type { StoreUnderTest } from './contract.testkit';

/**
 * Contract cases for TTL and expiry, run by describeStateStoreContract for every store: which
 * ttlSeconds a write takes, and when an item stops being visible, judged by the injected clock
 * only. `sut` is the current test's store, made by the contract's beforeEach.
 */
export function describeTtlCases(sut: () => StoreUnderTest): void {
  it('refuses a ttlSeconds that is not a finite number of seconds, before writing anything', async () => {
    const { store } = sut();
    // Each store read NaN or Infinity its own way (an SQL error, a script error, an item that never expired).
    for (const ttlSeconds of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      await expect(store.put('k', 'v', { ttlSeconds })).rejects.toThrow(RangeError);
      await expect(store.putAll([{ key: 'k', value: 'v', opts: { ttlSeconds } }])).rejects.toThrow(RangeError);
    }
    expect(await store.get('k')).toBeUndefined();
  });

  describe('ttl', () => {
    it('is visible before expiry and gone at expiry by the injected clock', async () => {
      const { store, clock } = sut();
      const start = clock.now();
      await store.put('k', 'v', { ttlSeconds: 10 });
      expect(await store.get('k')).toEqual({ value: 'v', version: expect.any(String), expiresAt: start + 10_000 });
      clock.advance(9_999);
      expect((await store.get('k'))?.value).toBe('v');
      clock.advance(1);
      expect(await store.get('k')).toBeUndefined();
      clock.advance(60_000);
      expect(await store.get('k')).toBeUndefined();
    });

    it('no longer blocks ifAbsent once expired', async () => {
      const { store, clock } = sut();
      await store.put('k', 'old', { ttlSeconds: 1 });
      expect(await store.put('k', 'blocked', { ifAbsent: true })).toBe(false);
      clock.advance(1_000);
      expect(await store.put('k', 'new', { ifAbsent: true })).toBe(true);
      expect(await store.get('k')).toEqual({ value: 'new', version: expect.any(String) });
    });

    it('is cleared by a later put without ttl', async () => {
      const { store, clock } = sut();
      await store.put('k', 'v1', { ttlSeconds: 1 });
      await store.put('k', 'v2');
      clock.advance(5_000);
      expect(await store.get('k')).toEqual({ value: 'v2', version: expect.any(String) });
    });

    it('makes an expired item fail ifVersion', async () => {
      const { store, clock } = sut();
      await store.put('k', 'v', { ttlSeconds: 1 });
      const version = (await store.get('k'))!.version;
      clock.advance(1_000);
      expect(await store.put('k', 'late', { ifVersion: version })).toBe(false);
      expect(await store.get('k')).toBeUndefined();
    });
  });
}
