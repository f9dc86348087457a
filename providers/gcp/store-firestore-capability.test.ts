import { createHash, randomBytes } from 'node:crypto';
import { testDeps } from '../../test/deps';
import { getDeadLetter, keepDeadLetter, listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { eventRef, keys } from '../../shared/delivery/keys';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { FakeFirestore } from './firestore-fake.testkit';
import { firestoreStore } from './store-firestore';

/**
 * The capabilities that lost data on Google Cloud while the Firestore store refused values over
 * the 1 MiB document limit, run on that store over FakeFirestore (no emulator can run here): a
 * verified webhook that could not be processed is kept as a dead letter with its raw body, and
 * the router stores every event (Pub/Sub carries up to 10 MB) before creating its deliveries.
 */
const MOCKED = '(Firestore mocked at the SDK: no emulator can run here)';
const MiB = 1024 * 1024;

function onFirestore() {
  const t = testDeps();
  const fake = new FakeFirestore();
  t.deps.store = firestoreStore({ collection: 'secorch-state', firestore: fake.asFirestore(), clock: t.clock });
  return { ...t, fake };
}
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe(`capabilities on the Firestore store with large values ${MOCKED}`, () => {
  it('keeps a 1 MiB binary webhook body as a dead letter (1.33 MiB of base64) and reads it back byte for byte', async () => {
    const { deps, fake } = onFirestore();
    const body = new Uint8Array(randomBytes(MiB));
    const kept = await keepDeadLetter(deps, {
      tenant: 'acme', kind: 'webhook', source: 'github', reason: { code: 'event_too_large', message: 'too large' }, body,
    });
    expect(kept.encoding).toBe('base64');
    expect(kept.body.length).toBeGreaterThan(1.33 * MiB);
    const found = await getDeadLetter(deps, 'acme', kept.id);
    expect(found?.record.id).toBe(kept.id);
    expect(digest(rawBody(found!.record))).toBe(digest(body));
    const listed = await listDeadLetters(deps, 'acme');
    expect(listed.items.map((i) => digest(rawBody(i.record)))).toEqual([digest(body)]);
    // Stored split: its parts carry the dead letter's purge time for the TTL policy.
    const parts = (await fake.collection('secorch-state-parts').get()).docs.map((s) => s.data()!);
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.purgeAt instanceof Date)).toBe(true);
  });

  it('fans out a 1.2 MiB event: stores it for its deliveries and creates the delivery', async () => {
    const { deps } = onFirestore();
    const { sub } = await seedSubscription(deps, { url: 'https://hooks.example.com/large' });
    const event: CloudEvent = {
      specversion: '1.0', id: 'e-large', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
      datacontenttype: 'application/json', data: { report: 'x'.repeat(Math.round(1.2 * MiB)) },
    };
    const { created, existing } = await fanOut(event, deps);
    expect(created.map((d) => d.subscriptionId)).toEqual([sub.id]);
    expect(existing).toBe(0);
    const stored = await deps.store.get(keys.event('default', eventRef(event.source, event.id)));
    expect(stored?.value.length).toBe(JSON.stringify(event).length);
    expect(stored?.value === JSON.stringify(event)).toBe(true);
    expect(await deps.store.get(keys.delivery('default', created[0]!.id))).toBeDefined();
    // A redelivered router message creates nothing new.
    expect(await fanOut(event, deps)).toEqual({ created: [], existing: 1 });
  });
});
