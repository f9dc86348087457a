import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { fanOut } from './fanout';
import { seedSubscription } from './testkit';

const event: CloudEvent = {
  specversion: '1.0', id: 'e-1', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
  datacontenttype: 'application/json', data: { title: 'x' },
};

test('a subscription whose filter throws is skipped and logged; the tenant\'s other subscriptions still get the event', async () => {
  const t = testDeps();
  const errors: Record<string, unknown>[] = [];
  t.deps.logger = { ...t.deps.logger, error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, ...fields }) };
  // Stored straight, bypassing the API's validation (a record damaged or written by an older
  // version): evaluating it throws.
  const deep = await seedSubscription(t.deps, { url: 'https://hooks.example.com/deep', filter: { exact: null } as never });
  const plain = await seedSubscription(t.deps, { url: 'https://hooks.example.com/plain' });
  const { created } = await fanOut(event, t.deps);
  expect(created.map((d) => d.subscriptionId)).toEqual([plain.sub.id]);
  expect(errors).toEqual([expect.objectContaining({ msg: 'subscription filter failed; event not delivered to it', subscriptionId: deep.sub.id, eventId: 'e-1' })]);
});
