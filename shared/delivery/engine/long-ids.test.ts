import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { guardedDeliveryClient } from '../../http/delivery-client';
import type { StateStore } from '../../ports/store';
import { keyPart, MAX_PLAIN_PART_BYTES } from '../../store/key-part';
import { eventRef } from '../keys';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { receiver, seedSubscription } from './testkit';

/**
 * Event ids have no length limit of their own (POST /events takes any within 64 KiB); the cloud
 * state stores take keys of 512 bytes (Azure Table) to 1024 (DynamoDB). Here the memory store is
 * held to Azure Table's 512 bytes (providers/azure/store-table-layout.ts), as a cloud store is.
 */
function shortKeys(store: StateStore): StateStore {
  const check = (key: string) => {
    if (Buffer.byteLength(key, 'utf8') > 512) throw new RangeError(`key is ${Buffer.byteLength(key, 'utf8')} bytes`);
  };
  return {
    ...store,
    get: async (key) => (check(key), store.get(key)),
    put: async (key, value, opts) => (check(key), store.put(key, value, opts)),
    putAll: async (batch) => (batch.forEach((w) => check(w.key)), store.putAll(batch)),
    delete: async (key) => (check(key), store.delete(key)),
  };
}

test('an event whose id is longer than a store key allows is delivered once, under its own id', async () => {
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } }, {}, Date.now());
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 10_000 });
  const rx = await receiver();
  const deps: DeliveryDeps = { ...t.deps, store: shortKeys(t.deps.store), outbound, random: () => 0.5 };
  try {
    await seedSubscription(deps, { url: rx.url });
    const id = `urn:scan:${'0123456789abcdef'.repeat(60)}`;
    const event: CloudEvent = { specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', datacontenttype: 'application/json', data: { title: 'x' } };
    expect((await fanOut(event, deps)).created).toHaveLength(1);
    // A redelivered router message: no second delivery.
    expect((await fanOut(event, deps)).created).toHaveLength(0);
    expect((await sweepDue(deps)).succeeded).toBe(1);
    expect(rx.received.map((r) => (JSON.parse(r.body) as CloudEvent).id)).toEqual([id]);
  } finally {
    await rx.close();
    await outbound.close();
  }
});

test('keyPart: short ids as they are; long ones, and ones that start like a digest, as a digest; distinct ids stay distinct', () => {
  expect(keyPart('evt_1')).toBe('evt_1');
  const edge = 'é'.repeat(MAX_PLAIN_PART_BYTES / 2);
  expect(keyPart(edge)).toBe(edge);
  expect(keyPart(`${edge}x`)).toMatch(/^~[A-Za-z0-9_-]{43}$/);
  expect(keyPart('~abc')).toMatch(/^~[A-Za-z0-9_-]{43}$/);
  expect(keyPart(`${edge}x`)).not.toBe(keyPart(`${edge}y`));
  expect(eventRef('test/scanner', 'evt_1')).toMatch(/:evt_1$/);
});
