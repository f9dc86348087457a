import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '../../events/cloudevent';
import type { DeliveryClient } from '../../http/delivery-client';
import { keys } from '../keys';
import type { Delivery, Subscription } from '../model';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { deliveryEngine, receiver, seedSubscription } from './testkit';

/**
 * Attempts whose surroundings change while they run: the subscription's endpoint moves while an
 * answer is on its way back, the work before the request eats into the lease, a header whose
 * name is also an Object member name. Real HTTP to a receiver on 127.0.0.1.
 */
const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
  datacontenttype: 'application/json', data: { title: id },
});

const S = 1000;

const deliveries = async (deps: DeliveryDeps) => (await deps.store.list(keys.deliveries('default'))).items.map((i) => JSON.parse(i.value) as Delivery);
const stored = async (deps: DeliveryDeps, id: string) => JSON.parse((await deps.store.get(keys.subscription('default', id)))!.value) as Subscription;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** The client, with `after` run once between the answer coming back and the engine reading it. */
function answerThen(client: DeliveryClient, after: () => Promise<void>): DeliveryClient {
  let done = false;
  return {
    close: () => client.close(),
    send: async (url, request) => {
      const res = await client.send(url, request);
      if (!done) {
        done = true;
        await after();
      }
      return res;
    },
  };
}

test('a 410 from the endpoint a subscription has just moved away from neither disables it nor fails the delivery', async () => {
  const e = deliveryEngine();
  // The old endpoint is gone for good; the new one takes deliveries.
  const rx = await receiver((r) => (r.url.endsWith('/old') ? { status: 410 } : { status: 204 }));
  closers.push(e.close, rx.close);
  const { sub, secret } = await seedSubscription(e.deps, { url: `${rx.url}/old` });
  // The owner moves the subscription (PATCH url, which also resets its breaker) while the 410 is on its way back.
  const deps: DeliveryDeps = {
    ...e.deps,
    outbound: answerThen(e.deps.outbound, async () => {
      await e.deps.store.put(keys.subscription('default', sub.id), JSON.stringify({ ...sub, url: `${rx.url}/new` }));
      await e.deps.store.delete(keys.breaker('default', sub.id));
    }),
  };
  await fanOut(event('moved-1'), deps);
  expect(await sweepDue(deps)).toEqual(expect.objectContaining({ failed: 0, retrying: 1 }));
  expect(await stored(deps, sub.id)).toEqual(expect.objectContaining({ enabled: true, url: `${rx.url}/new` }));
  expect(e.bus.events.map((x) => x.type)).toEqual([]);
  const [d] = await deliveries(deps);
  expect(d).toEqual(expect.objectContaining({ status: 'pending', lastError: 'HTTP 410' }));
  // The retry goes to the endpoint the subscription has now.
  e.clock.advance(5 * S);
  expect((await sweepDue(deps)).succeeded).toBe(1);
  expect(rx.received.map((r) => r.url)).toEqual(['/hook/old', '/hook/new']);
  const last = rx.received[1]!;
  expect(() => new Webhook(secret).verify(last.body, last.headers as Record<string, string>)).not.toThrow();
});

test('a 410 from the endpoint the subscription still has disables it, as before', async () => {
  const e = deliveryEngine();
  const rx = await receiver(() => ({ status: 410 }));
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  // An unrelated change (headers) while the answer is on its way back.
  const deps: DeliveryDeps = {
    ...e.deps,
    outbound: answerThen(e.deps.outbound, () => e.deps.store.put(keys.subscription('default', sub.id), JSON.stringify({ ...sub, headers: { 'x-team': 'sec' } })).then(() => undefined)),
  };
  await fanOut(event('gone-1'), deps);
  expect(await sweepDue(deps)).toEqual(expect.objectContaining({ failed: 1 }));
  expect(await stored(deps, sub.id)).toEqual(expect.objectContaining({ enabled: false, disabledReason: 'gone', headers: { 'x-team': 'sec' } }));
  expect(e.bus.events.map((x) => x.type)).toEqual(['secorch.system.subscription.disabled', 'secorch.system.delivery.failed']);
});

test('work before the request that eats into the lease renews it: a second worker cannot send the attempt while it is in flight', async () => {
  // The lease outlives the 15 s deadline by 1 s only (deliveries.leaseSeconds), as the configuration allows.
  const e = deliveryEngine({ deliveries: { timeoutSeconds: 15, leaseSeconds: 16 } }, 1_500);
  const rx = await receiver((_r, n) => (n === 1 ? 'hang' : { status: 204 }));
  closers.push(e.close, rx.close);
  // Opening the secret takes 2 s (a key service under load): the request starts 2 s into the lease.
  const { sealer } = e.deps;
  const deps: DeliveryDeps = {
    ...e.deps,
    sealer: { ...sealer, open: (sealed, context) => {
      e.clock.advance(2 * S);
      return sealer.open(sealed, context);
    } },
  };
  await seedSubscription(deps, { url: rx.url });
  await fanOut(event('lease-1'), deps);
  const slow = sweepDue(deps);
  while (rx.received.length === 0) await new Promise((r) => setTimeout(r, 5));
  // 16.5 s after the lease was taken: past the lease as first written, but the request, 14.5 s
  // old, may still run for another half second under its 15 s deadline.
  e.clock.advance(14_500);
  expect(await sweepDue(deps)).toEqual(expect.objectContaining({ busy: 1, succeeded: 0 }));
  expect(rx.received).toHaveLength(1);
  // The first worker's outcome (its client gave up) is written on the lease it renewed.
  expect(await slow).toEqual(expect.objectContaining({ retrying: 1, busy: 0 }));
  const [d] = await deliveries(deps);
  expect(d!.attempts).toEqual([expect.objectContaining({ n: 1, error: 'delivery_timeout' })]);
  expect(d).not.toHaveProperty('lease');
});

test('a subscription header named __proto__ is sent like any other', async () => {
  const e = deliveryEngine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  // As the API stores it: an own member, read back from JSON.
  const { secret } = await seedSubscription(e.deps, { url: rx.url, headers: JSON.parse('{"__proto__":"p-1","x-team":"sec"}') as Record<string, string> });
  await fanOut(event('proto-1'), e.deps);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  const got = rx.received[0]!;
  // Pairs of name and value as they came over the wire (an object would take `__proto__` as its prototype).
  const pairs = got.rawHeaders.flatMap((v, i, all) => (i % 2 === 0 ? [`${v.toLowerCase()}: ${all[i + 1]}`] : []));
  expect(pairs).toEqual(expect.arrayContaining(['__proto__: p-1', 'x-team: sec']));
  expect(() => new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
});
