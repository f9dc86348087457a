import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { eachRestTest, userEvent } from './rest.testkit';

/**
 * An event is its tenant, source and id together: CloudEvents ids are unique per source only
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#id), and tenants choose
 * their own. An API that honours Idempotency-Key answers a repeated key with the first request's
 * result without acting, so two different events sharing a key would make one of them vanish.
 */
let vendor: VendorServer;
let deps: Deps;

eachRestTest((kit) => ({ vendor, deps } = kit));

async function keysFor(...events: ReturnType<typeof userEvent>[]): Promise<string[]> {
  const d = restDestination('cases', restDestinationSchema.parse({
    type: 'rest', baseUrl: `${vendor.url}/api`, path: '/cases', idempotencyKeyHeader: 'Idempotency-Key', body: { id: '{{ data.user.id }}' },
  }));
  vendor.on('POST /api/cases', reply.json({}, 201));
  for (const e of events) await d(e, deps);
  return vendor.requests.map((r) => String(r.headers['idempotency-key']));
}

test('two events with the same id from different sources get different keys', async () => {
  const [a, b] = await keysFor(userEvent({}, { id: '1', source: '/scanner-a' }), userEvent({}, { id: '1', source: '/scanner-b' }));
  expect(a).not.toBe(b);
});

test('two tenants\' events with the same source and id get different keys', async () => {
  const [a, b] = await keysFor(userEvent({}, { id: '1', tenant: 'acme' }), userEvent({}, { id: '1', tenant: 'globex' }));
  expect(a).not.toBe(b);
});

test('the same event delivered again gets the same key, a UUID', async () => {
  const [a, b] = await keysFor(userEvent({}, { id: '1', tenant: 'acme' }), userEvent({}, { id: '1', tenant: 'acme' }));
  expect(a).toBe(b);
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
