import { fixedClock } from '../../shared/ports/clock';
import { describeStateStoreLimits } from '../../shared/store/contract-limits.testkit';
import { describeStateStoreContract } from '../../shared/store/contract.testkit';
import { FakeFirestore } from './firestore-fake.testkit';
import { encodeKey, firestoreStore } from './store-firestore';

/**
 * No Firestore emulator can run here (it ships as a Java binary with the gcloud SDK), so these
 * tests run the store against FakeFirestore: the SDK surface the store uses, mocked in memory
 * with Firestore's id rules, read-before-write transactions and serialisable commits.
 */
const START = Date.parse('2026-01-01T00:00:00Z');
const MOCKED = '(Firestore mocked at the SDK: no emulator can run here)';

function setup() {
  const fake = new FakeFirestore();
  const clock = fixedClock(START);
  return { fake, clock, store: firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock }) };
}

const fresh = async () => {
  const { store, clock } = setup();
  return { store, clock };
};
describeStateStoreContract(`firestore ${MOCKED}`, fresh);
describeStateStoreLimits(`firestore ${MOCKED}`, fresh);

describe(`firestoreStore ${MOCKED}`, () => {
  it('keeps one document per key, its id the hex of the key\'s UTF-8, with purgeAt for a TTL policy', async () => {
    const { fake, store } = setup();
    await store.put('a/b', 'v', { ttlSeconds: 10 });
    expect(encodeKey('a/b')).toBe('612f62');
    const snap = await fake.collection('state').doc('612f62').get();
    expect(snap.data()).toEqual({
      key: 'a/b', value: 'v', version: expect.stringMatching(/^[0-9a-f-]{36}$/),
      expiresAt: START + 10_000, purgeAt: new Date(START + 10_000 + 3_600_000),
    });
    await store.put('a/b', 'w');
    expect((await fake.collection('state').doc('612f62').get()).data()).toEqual({ key: 'a/b', value: 'w', version: expect.any(String) });
  });

  it('takes keys that would be invalid document ids', async () => {
    const { store } = setup();
    for (const key of ['.', '..', '__name__', '__x__', '/', 'a//b']) {
      expect(await store.put(key, key, { ifAbsent: true })).toBe(true);
      expect((await store.get(key))?.value).toBe(key);
    }
  });

  it('refuses, when built, a collection path Firestore would refuse on every call (invalid_config, not retried)', () => {
    const firestore = new FakeFirestore().asFirestore();
    const build = (collection: string) => () => firestoreStore({ collection, firestore, clock: fixedClock(START) });
    // Collection and document ids: no `/`, not `.` or `..`, not `__.*__` (reserved), at most 1,500
    // bytes; a collection path has an odd number of them.
    // https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields
    for (const collection of ['', '__state__', '__.__', 'a/b', '.', '..', 'a//b', '/state', 'state/', 'tenants/__x__/state', 'tenants/./state', 'x'.repeat(1495), 'x\ud800']) {
      expect(build(collection)).toThrow(expect.objectContaining({ code: 'invalid_config', status: 500, retryable: false, extra: { path: 'store.collection' } }));
    }
    // The parts collection adds `-parts` to the last id.
    for (const collection of ['state', 'tenants/acme/state', '__state', 'state__', '_', '...', 'x'.repeat(1494), 'é'.repeat(747)]) expect(build(collection)).not.toThrow();
  });

  it('keeps reading past expired documents that fill a page', async () => {
    const { store, clock } = setup();
    for (let i = 0; i < 12; i++) await store.put(`p/${String(i).padStart(2, '0')}`, 'gone', { ttlSeconds: 1 });
    await store.put('p/50', 'a');
    await store.put('p/60', 'b');
    await store.put('q/00', 'c');
    clock.advance(1_000);
    expect(await store.list('p/', { limit: 1 })).toEqual({ items: [expect.objectContaining({ key: 'p/50', value: 'a' })], next: 'p/50' });
    expect(await store.list('p/', { limit: 1, after: 'p/50' })).toEqual({ items: [expect.objectContaining({ key: 'p/60' })] });
    expect((await store.list('')).items.map((i) => i.key)).toEqual(['p/50', 'p/60', 'q/00']);
    expect((await store.list('', { after: '' })).items).toHaveLength(3);
  });

  it('lists in UTF-8 byte order of the keys', async () => {
    const { store } = setup();
    for (const key of ['k/é', 'k/z', 'k/Z', 'k/🔑', 'k/\uffff']) await store.put(key, 'v');
    expect((await store.list('k/')).items.map((i) => i.key)).toEqual(['k/Z', 'k/z', 'k/é', 'k/\uffff', 'k/🔑']);
  });

  it('re-runs a transaction that lost a race, and then answers by the condition', async () => {
    const { fake, store } = setup();
    const wins = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putAll([{ key: 'claim', value: `${i}`, opts: { ifAbsent: true } }])));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(fake.aborted).toBeGreaterThan(0);
  });

  it('a transaction committed but whose answer was lost, run again by the library, is true (its own write); another writer\'s false', async () => {
    const { fake, clock, store: plain } = setup();
    // What the library does when a commit's answer is lost after Firestore applied it: it runs
    // the transaction function again, and that run's result is what the caller gets.
    const db = fake.asFirestore();
    const rerunning = new Proxy(db, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        if (name !== 'runTransaction') return typeof v === 'function' ? v.bind(target) : v;
        return async (fn: never, options: never) => {
          await target.runTransaction(fn, options);
          return target.runTransaction(fn, options);
        };
      },
    });
    const store = firestoreStore({ collection: 'state', firestore: rerunning, clock });
    expect(await store.put('claim', 'mine', { ifAbsent: true, ttlSeconds: 60 })).toBe(true);
    const first = await store.get('claim');
    expect(first?.value).toBe('mine');
    expect(await store.put('claim', 'next', { ifVersion: first!.version })).toBe(true);
    expect(await store.putAll([{ key: 'lease', value: 'l1', opts: { ifAbsent: true } }, { key: 'gone', delete: true }])).toBe(true);
    expect((await store.get('claim'))?.value).toBe('next');
    // A condition failed by someone else's document stays false.
    expect(await plain.put('claim', 'theirs', { ifAbsent: true })).toBe(false);
    expect(await plain.put('claim', 'theirs', { ifVersion: first!.version })).toBe(false);
    expect(await plain.putAll([{ key: 'lease', value: 'l2', opts: { ifAbsent: true } }])).toBe(false);
  });

  it('reads the heads it deletes in the putAll transaction as well as those it puts, deletes alone included, in one read', async () => {
    const { fake, store } = setup();
    await store.put('lease', 'held', { newVersion: 'lease-1' });
    await store.put('due/1', '');
    expect(await store.putAll([
      { key: 'lease', value: 'done', opts: { ifVersion: 'lease-1', newVersion: 'lease-2' } },
      { key: 'due/1', delete: true },
      { key: 'due/never', delete: true },
    ])).toBe(true);
    expect([...fake.lastTx!.reads.keys()]).toEqual(['lease', 'due/1', 'due/never'].map((k) => `state/${encodeKey(k)}`));
    expect((await fake.collection('state').doc(encodeKey('lease')).get()).data()).toEqual({ key: 'lease', value: 'done', version: 'lease-2' });
    expect((await fake.collection('state').doc(encodeKey('due/1')).get()).exists).toBe(false);
    expect((await fake.collection('state').doc(encodeKey('due/never')).get()).exists).toBe(false);
    // Deletes alone read their heads too: a run after a lost answer needs their versions
    // (store-firestore-lost.test.ts).
    await store.put('due/2', '');
    expect(await store.putAll([{ key: 'due/2', delete: true }])).toBe(true);
    expect([...fake.lastTx!.reads.keys()]).toEqual([`state/${encodeKey('due/2')}`]);
    expect(await store.get('due/2')).toBeUndefined();
  });

  it('writes nothing for contradictory options, and check() reads the collection', async () => {
    const { store } = setup();
    expect(await store.put('k', 'v', { ifAbsent: true, ifVersion: 'x' })).toBe(false);
    expect(await store.get('k')).toBeUndefined();
    await expect(store.check()).resolves.toBeUndefined();
  });
});

describe('FakeFirestore keeps the rules the store relies on', () => {
  it('refuses invalid document ids and undefined values, and reads before writes in a transaction', async () => {
    const fake = new FakeFirestore();
    const col = fake.collection('c');
    for (const id of ['a/b', '.', '..', '__x__', '', 'x'.repeat(1501)]) expect(() => col.doc(id)).toThrow(/not a valid resource path/);
    await expect(col.doc('a').set({ v: undefined })).rejects.toThrow(/undefined/);
    await expect(fake.runTransaction(async (tx) => {
      tx.set(col.doc('a'), { v: 1 });
      await tx.get(col.doc('b'));
    })).rejects.toThrow(/reads to be executed before all writes/);
    expect((await col.doc('a').get()).exists).toBe(false);
  });

  it('deletes inside a transaction with its sets, after its reads, in the one commit', async () => {
    const fake = new FakeFirestore();
    const col = fake.collection('c');
    await col.doc('a').set({ v: 1 });
    await fake.runTransaction(async (tx) => {
      await tx.get(col.doc('a'));
      tx.delete(col.doc('a')).set(col.doc('b'), { v: 2 });
      tx.delete(col.doc('missing'));
      expect((await col.doc('a').get()).exists).toBe(true); // not before the commit
    });
    expect((await col.doc('a').get()).exists).toBe(false);
    expect((await col.doc('b').get()).data()).toEqual({ v: 2 });
    await expect(fake.runTransaction(async (tx) => {
      tx.delete(col.doc('b'));
      await tx.get(col.doc('a'));
    })).rejects.toThrow(/reads to be executed before all writes/);
    expect((await col.doc('b').get()).exists).toBe(true);
  });
});
