import type { Sleep } from '../../shared/connectors/types';
import { FakeFirestore } from './firestore-fake.testkit';
import { grpcError } from './firestore-fake-limits.testkit';
import { encodeKey, firestoreStore } from './store-firestore';

/**
 * A run of a write after an attempt whose commit may have been applied (its answer lost) that
 * finds a head gone which that attempt had read. No Firestore emulator can run here (a Java
 * binary from the gcloud SDK): FakeFirestore stands in at the SDK, and the store's wait between
 * attempts is where the head goes.
 */
function setup() {
  const fake = new FakeFirestore();
  let between: (() => Promise<void>) | undefined;
  const sleep: Sleep = (ms, signal) => {
    // The deadline's timer: never reached here; it ends when the operation does.
    if (signal) return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const run = between;
    between = undefined;
    return run ? run() : Promise.resolve();
  };
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => now };
  const store = firestoreStore({ collection: 'state', firestore: fake.asFirestore(), clock, bounds: { sleep } });
  /** The next commit fails, not applied, with an error that leaves that open; `then` runs before the retry. */
  const failNext = (then: () => Promise<void>) => {
    fake.commitFault = () => {
      fake.commitFault = undefined;
      between = then;
      return grpcError(14, 'Connection reset by peer. read ECONNRESET');
    };
  };
  return { fake, store, failNext, pass: (ms: number) => { now += ms; } };
}

it('an unconditional put over an expired value that the TTL policy collects before the retry is not called done unwritten: unknown, 503', async () => {
  const { fake, store, failNext, pass } = setup();
  await store.put('cursor', 'old', { ttlSeconds: 1 });
  pass(2_000);
  // The TTL policy collects the expired head: nobody wrote, the key was absent all along. The
  // run after cannot tell that from our put applied and then deleted by another writer.
  failNext(() => fake.collection('state').doc(encodeKey('cursor')).delete());
  const out = await store.put('cursor', 'new').then((v) => v, (e: unknown) => e);
  // `true` would say "written", with nothing there.
  expect(out).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, message: expect.stringContaining('commit outcome unknown') });
  expect(await store.get('cursor')).toBeUndefined();
  // The caller's retry writes it.
  expect(await store.put('cursor', 'new')).toBe(true);
  expect((await store.get('cursor'))?.value).toBe('new');
});

it('a batch of a delete and an unconditional put whose head the TTL policy collected: unknown, not done with the put missing', async () => {
  const { fake, store, failNext, pass } = setup();
  await store.put('cursor', 'old', { ttlSeconds: 1 });
  await store.put('due', '');
  pass(2_000);
  failNext(async () => {
    await fake.collection('state').doc(encodeKey('cursor')).delete();
    await fake.collection('state').doc(encodeKey('due')).delete();
  });
  const out = await store.putAll([{ key: 'cursor', value: 'new' }, { key: 'due', delete: true }]).then((v) => v, (e: unknown) => e);
  expect(out).toMatchObject({ code: 'store_unavailable', status: 503 });
  expect(await store.get('cursor')).toBeUndefined();
});
