import { AppError } from '../../shared/errors';
import type { Sleep } from '../../shared/connectors/types';
import { FakeFirestore } from './firestore-fake.testkit';
import { grpcError } from './firestore-fake-limits.testkit';
import { firestoreStore } from './store-firestore';

/**
 * A transaction whose commit Firestore applied but whose answer was lost (UNAVAILABLE after a
 * reset connection, DEADLINE_EXCEEDED) is run again by the store (store-firestore-bounds.ts).
 * Another writer may act on the applied write before that run: the run must then neither answer
 * false for a write that may have been applied nor apply it a second time over the other
 * writer's. No Firestore emulator can run here (a Java binary from the gcloud SDK): FakeFirestore
 * stands in at the SDK, and the store's wait between attempts is where the other writer acts.
 */
const lost = () => grpcError(14, 'Connection reset by peer. read ECONNRESET');

function setup() {
  const fake = new FakeFirestore();
  /** Run by the store between the attempt whose answer was lost and the next one. */
  let between: (() => Promise<void>) | undefined;
  const sleep: Sleep = (ms, signal) => {
    // The deadline's timer: never reached here; it ends when the operation does.
    if (signal) return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const run = between;
    between = undefined;
    return run ? run() : Promise.resolve();
  };
  const clock = { now: () => Date.now() };
  const store = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock, bounds: { sleep } });
  const other = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock });
  /** The next applied commit loses its answer; `then` runs before the store tries again. */
  const loseNext = (then?: () => Promise<void>) => {
    fake.answerLost = () => {
      fake.answerLost = undefined;
      between = then;
      return lost();
    };
  };
  /** The next commit fails, not applied, with an error that leaves that open to the caller; `then` runs before the retry. */
  const failNext = (then?: () => Promise<void>) => {
    fake.commitFault = () => {
      fake.commitFault = undefined;
      between = then;
      return lost();
    };
  };
  return { fake, store, other, loseNext, failNext };
}

describe('firestoreStore: a commit applied but whose answer was lost (Firestore mocked at the SDK: no emulator can run here)', () => {
  it('a put is true and written once when nobody wrote in between', async () => {
    const { fake, store, loseNext } = setup();
    loseNext();
    expect(await store.put('claim', 'mine', { ifAbsent: true })).toBe(true);
    expect(fake.attempts).toBe(2);
    expect((await store.get('claim'))?.value).toBe('mine');
  });

  it('a conditional put is not answered false when another writer built on it before the retry: unknown, 503', async () => {
    const { store, other, loseNext } = setup();
    await store.put('lease', 'v0', { newVersion: 'lease-0' });
    let theirs: boolean | undefined;
    loseNext(async () => {
      // The other writer read our applied write and replaced it on its version.
      const seen = await other.get('lease');
      expect(seen).toMatchObject({ value: 'v1', version: 'lease-1' });
      theirs = await other.put('lease', 'v2', { ifVersion: seen!.version, newVersion: 'lease-2' });
    });
    const out = await store.put('lease', 'v1', { ifVersion: 'lease-0', newVersion: 'lease-1' }).then((v) => v, (e: unknown) => e);
    expect(theirs).toBe(true);
    // `false` would say "not written", but it was: the caller must treat it as unknown.
    expect(out).toBeInstanceOf(AppError);
    expect(out).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true });
    expect((out as AppError).message).toBe('Firestore state store unavailable during put (commit outcome unknown); retry shortly');
    expect(await store.get('lease')).toMatchObject({ value: 'v2', version: 'lease-2' });
  });

  it('an unconditional put is not applied again over a write made after it', async () => {
    const { store, other, loseNext } = setup();
    let theirs: boolean | undefined;
    loseNext(async () => {
      theirs = await other.put('cursor', 'newer');
    });
    // Ordered before the other write, which it was (or could have been): done, not written twice.
    expect(await store.put('cursor', 'older')).toBe(true);
    expect(theirs).toBe(true);
    expect((await store.get('cursor'))?.value).toBe('newer');
  });

  it('a delete is not applied again over a claim taken after it', async () => {
    const { store, other, loseNext } = setup();
    await store.put('claim', 'old');
    let theirs: boolean | undefined;
    loseNext(async () => {
      theirs = await other.put('claim', 'new-owner', { ifAbsent: true });
    });
    await store.delete('claim');
    expect(theirs).toBe(true);
    // The other worker was told it holds the claim: it must still be there.
    expect((await store.get('claim'))?.value).toBe('new-owner');
  });

  it('a batch of deletes only is not applied again over a write made after it', async () => {
    const { store, other, loseNext } = setup();
    await store.put('claim', 'old');
    await store.put('cursor', 'old');
    let theirs: boolean | undefined;
    loseNext(async () => {
      theirs = await other.put('claim', 'new-owner', { ifAbsent: true });
    });
    // Done: both deletes were applied, one of them then built on by the other writer.
    expect(await store.putAll([{ key: 'claim', delete: true }, { key: 'cursor', delete: true }])).toBe(true);
    expect(theirs).toBe(true);
    expect((await store.get('claim'))?.value).toBe('new-owner');
    expect(await store.get('cursor')).toBeUndefined();
  });

  it('a batch of deletes only whose commit was not applied runs again, over a change made meanwhile', async () => {
    const { store, other, failNext } = setup();
    await store.put('a', 'a0');
    await store.put('b', 'b0');
    failNext(async () => {
      await other.put('a', 'theirs');
    });
    // b still at the version read proves the first commit was not applied: the deletes are run
    // again, ordered after the other write.
    expect(await store.putAll([{ key: 'a', delete: true }, { key: 'b', delete: true }])).toBe(true);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBeUndefined();
  });

  it('a batch with a delete whose commit may not have been applied is not called done when another writer changed a key', async () => {
    const { store, other, failNext } = setup();
    await store.put('b', 'to delete');
    failNext(async () => {
      await other.put('a', 'theirs');
    });
    const out = await store.putAll([{ key: 'a', value: 'mine' }, { key: 'b', delete: true }]).then((v) => v, (e: unknown) => e);
    // Never `true` with b still there; writing a again could undo the other writer's newer value
    // (had the first commit been applied), so it is unknown.
    if (out === true) {
      expect(await store.get('b')).toBeUndefined();
    } else {
      expect(out).toMatchObject({ code: 'store_unavailable', status: 503 });
      expect((await store.get('a'))?.value).toBe('theirs');
    }
  });

  it('a head still at the version the lost attempt read proves it was not applied: the batch runs as usual', async () => {
    const { store, other, failNext } = setup();
    await store.put('a', 'a0', { newVersion: 'a-0' });
    failNext(async () => {
      await other.put('b', 'theirs');
    });
    expect(await store.putAll([{ key: 'a', value: 'a1', opts: { ifVersion: 'a-0' } }, { key: 'b', value: 'mine' }])).toBe(true);
    expect((await store.get('a'))?.value).toBe('a1');
    expect((await store.get('b'))?.value).toBe('mine');
  });

  it('a commit that failed for sure (ABORTED) is run again as before: the condition decides', async () => {
    const { fake, store, other } = setup();
    await store.put('k', 'v0', { newVersion: 'k-0' });
    let once = true;
    fake.commitFault = () => {
      if (!once) return undefined;
      once = false;
      return grpcError(10, 'Aborted due to cross-transaction contention.');
    };
    expect(await store.put('k', 'v1', { ifVersion: 'k-0' })).toBe(true);
    expect(await other.put('k', 'v2', { ifVersion: 'k-0' })).toBe(false);
  });
});
