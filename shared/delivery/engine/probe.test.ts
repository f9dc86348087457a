import { testDeps } from '../../../test/deps';
import { guardedDeliveryClient } from '../../http/delivery-client';
import type { CloudEvent } from '../../events/cloudevent';
import { keys } from '../keys';
import type { Delivery } from '../model';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { receiver, seedSubscription } from './testkit';

/**
 * The half-open probe is the one attempt an open breaker lets through. Whatever holds an attempt
 * back before it is sent (the subscription's rate limit, a transform that fails on this event)
 * must not hold the probe as well: the breaker would stay half-open, every other delivery of
 * the subscription waiting until the probe was presumed lost (a minute or more).
 */
const S = 1000;

const event = (id: string, data: Record<string, unknown> = {}): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
  datacontenttype: 'application/json', data: { title: id, ...data },
});

function engine(config: Record<string, unknown>) {
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...config }, {}, Date.now());
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 10_000 });
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  return { ...t, deps, close: () => outbound.close() };
}

const deliveries = async (deps: DeliveryDeps) => (await deps.store.list(keys.deliveries('default'))).items.map((i) => JSON.parse(i.value) as Delivery);
const byEvent = async (deps: DeliveryDeps, id: string) => (await deliveries(deps)).find((d) => d.eventId === id)!;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

test('a probe time that meets an empty rate-limit bucket leaves the breaker open: the probe goes once the bucket has a token', async () => {
  // One failure opens the breaker for 60 s; one token per 100 s.
  const e = engine({ deliveries: { breaker: { failureThreshold: 1, openForMs: 60 * S } } });
  const rx = await receiver((_r, n) => (n === 1 ? { status: 500 } : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, rateLimit: { perSecond: 0.01, burst: 1 } });
  await fanOut(event('e1'), e.deps);
  const t0 = e.clock.now();
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  // The retry (5 s), the probe time (60 s): the bucket holds less than a token until 100 s.
  for (const at of [5, 60, 101]) {
    e.clock.set(t0 + at * S);
    await sweepDue(e.deps);
  }
  const d = await byEvent(e.deps, 'e1');
  expect(d.status).toBe('succeeded');
  expect(rx.received).toHaveLength(2);
});

test('an open breaker defers attempts before they spend anything: no rate-limit token is taken while it holds them back', async () => {
  // Two tokens, refilled one per 1,000 s; one failure opens the breaker for 60 s.
  const e = engine({ deliveries: { breaker: { failureThreshold: 1, openForMs: 60 * S } } });
  const rx = await receiver((_r, n) => (n === 1 ? { status: 500 } : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, rateLimit: { perSecond: 0.001, burst: 2 } });
  await fanOut(event('e1'), e.deps);
  const t0 = e.clock.now();
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  // The retry at 5 s meets the open breaker; the probe time at 60 s finds the second token there.
  e.clock.set(t0 + 5 * S);
  expect((await sweepDue(e.deps)).deferred).toBe(1);
  e.clock.set(t0 + 60 * S);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  expect(rx.received).toHaveLength(2);
});

test('a delivery whose transform fails at the probe time does not hold the probe: the next delivery is the probe', async () => {
  // No retries: the first failure opens the breaker and ends that delivery.
  const e = engine({ deliveries: { retry: { schedule: [0] }, breaker: { failureThreshold: 1, openForMs: 60 * S } } });
  const rx = await receiver((_r, n) => (n === 1 ? { status: 500 } : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, transform: 'data.bad ? $error("cannot render") : data' });
  await fanOut(event('first'), e.deps);
  const t0 = e.clock.now();
  expect((await sweepDue(e.deps)).failed).toBe(1);
  // Both arrive while the breaker is open, the bad one first.
  e.clock.set(t0 + 10 * S);
  await fanOut(event('bad', { bad: true }), e.deps);
  e.clock.set(t0 + 11 * S);
  await fanOut(event('good'), e.deps);
  await sweepDue(e.deps, { concurrency: 1 });
  e.clock.set(t0 + 60 * S);
  await sweepDue(e.deps, { concurrency: 1 });
  expect(await byEvent(e.deps, 'bad')).toEqual(expect.objectContaining({ status: 'failed', attempts: [] }));
  expect((await byEvent(e.deps, 'good')).status).toBe('succeeded');
});

test('a rate limit too slow for a date defers the delivery a bounded while instead of failing every attempt', async () => {
  const e = engine({});
  const rx = await receiver();
  closers.push(e.close, rx.close);
  // Stored as an older API let it through: one token per 10^300 seconds.
  await seedSubscription(e.deps, { url: rx.url, rateLimit: { perSecond: 1e-300 } });
  await fanOut(event('a'), e.deps);
  await fanOut(event('b'), e.deps);
  const report = await sweepDue(e.deps);
  expect(report).toEqual(expect.objectContaining({ succeeded: 1, deferred: 1, errors: 0 }));
  const waiting = (await deliveries(e.deps)).find((d) => d.status === 'pending')!;
  const wait = Date.parse(waiting.nextAttemptAt!) - e.clock.now();
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(24 * 3600 * S);
});
