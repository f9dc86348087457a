import type { fixedClock } from '../ports/clock';
import type { StateStore } from '../ports/store';
import { describeBatchCases } from './contract-batches.testkit';
import { describeConditionCases, describeNewVersionCases } from './contract-conditions.testkit';
import { describeEdgeCases } from './contract-edges.testkit';
import { describeListingCases } from './contract-listing.testkit';
import { describeTtlCases } from './contract-ttl.testkit';

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

/**
 * Plain reads, writes and deletes are here; the cases on conditional writes and versions, TTL,
 * batches, listing and edges are in the contract-<part>.testkit.ts files beside this one,
 * registered below. (contract-limits.testkit.ts is a suite of its own, which each store's test runs.)
 */
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

    describeNewVersionCases(() => sut);
    describeTtlCases(() => sut);
    describeConditionCases(() => sut);

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

    describeBatchCases(() => sut);
    describeListingCases(() => sut);

    it('check() resolves', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });

    describeEdgeCases(() => sut);
  });
}
