import { randomBytes } from 'node:crypto';
import { testDeps } from '../../test/deps';
import { keepDeadLetter } from '../../shared/deadletters/store';
import { describeLargeValueCapabilities } from '../../shared/store/large-values.testkit';
import { FakeFirestore } from './firestore-fake.testkit';
import { firestoreStore } from './store-firestore';

/**
 * The capabilities that lost data on Google Cloud while the Firestore store refused values over
 * the 1 MiB document limit (Pub/Sub carries up to 10 MB), on that store over FakeFirestore.
 */
const MOCKED = '(Firestore mocked at the SDK: no emulator can run here)';
const MiB = 1024 * 1024;

describeLargeValueCapabilities(`Firestore ${MOCKED}`, (clock) => firestoreStore({ collection: 'secorch-state', firestore: new FakeFirestore().asFirestore(), clock }), {
  bodyBytes: MiB, eventBytes: Math.round(1.2 * MiB),
});

test(`a split dead letter's parts carry its purge time for the TTL policy ${MOCKED}`, async () => {
  const { deps, clock } = testDeps();
  const fake = new FakeFirestore();
  deps.store = firestoreStore({ collection: 'secorch-state', firestore: fake.asFirestore(), clock });
  const kept = await keepDeadLetter(deps, {
    tenant: 'acme', kind: 'webhook', source: 'github', reason: { code: 'event_too_large', message: 'too large' }, body: new Uint8Array(randomBytes(MiB)),
  });
  expect(kept.body.length).toBeGreaterThan(1.33 * MiB);
  const parts = (await fake.collection('secorch-state-parts').get()).docs.map((s) => s.data()!);
  expect(parts).toHaveLength(2);
  expect(parts.every((p) => p.purgeAt instanceof Date)).toBe(true);
});
