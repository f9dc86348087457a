import { testDeps } from '../../../test/deps';
import { guardedDeliveryClient } from '../../http/delivery-client';
import type { CloudEvent } from '../../events/cloudevent';
import type { WakeUp } from '../../ports';
import { keys } from '../keys';
import type { Delivery } from '../model';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { receiver, seedSubscription } from './testkit';

/**
 * The engine's wake-up hooks, with a recording WakeUps port and a real receiver on 127.0.0.1:
 * every created delivery and every retry or deferral sends a wake-up for its due time, and a
 * wake-up that cannot be sent never fails fan-out or an attempt (the due key is the authority).
 */
const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
  datacontenttype: 'application/json', data: { title: id },
});

function engine(schedule: (w: WakeUp) => Promise<void>, config: Record<string, unknown> = {}) {
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...config }, {}, Date.now());
  // A generous deadline: under the whole suite's load a local answer took over 300 ms once, and a
  // timed-out attempt is a retry where these tests expect a success.
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 10_000 });
  const warnings: unknown[] = [];
  const logger = { ...t.deps.logger, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push({ msg, ...fields }) };
  const deps: DeliveryDeps = { ...t.deps, outbound, logger, random: () => 0.5, wakeups: { schedule } };
  return { ...t, deps, warnings, close: () => outbound.close() };
}
const deliveries = async (deps: DeliveryDeps) => (await deps.store.list(keys.deliveries('default'))).items.map((i) => JSON.parse(i.value) as Delivery);

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

test('fan-out wakes each created delivery at once; a redelivered event wakes nothing', async () => {
  const sent: WakeUp[] = [];
  const e = engine(async (w) => void sent.push(w));
  closers.push(e.close);
  await seedSubscription(e.deps, { url: 'http://127.0.0.1:9/a' });
  await seedSubscription(e.deps, { url: 'http://127.0.0.1:9/b' });
  const { created } = await fanOut(event('e1'), e.deps);
  await fanOut(event('e1'), e.deps);
  expect(sent).toHaveLength(2);
  expect(sent).toEqual(expect.arrayContaining(created.map((d) => ({ at: e.clock.now(), tenant: 'default', id: d.id }))));
  for (const w of sent) expect(await e.deps.store.get(keys.due(w.at, w.tenant, w.id))).toBeDefined();
});

test('a retry wakes at its new due time; a success wakes nothing more', async () => {
  const sent: WakeUp[] = [];
  const e = engine(async (w) => void sent.push(w));
  const rx = await receiver((_r, n) => (n === 1 ? { status: 500 } : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e2'), e.deps);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  const [d] = await deliveries(e.deps);
  expect(sent).toHaveLength(2);
  expect(sent[1]).toEqual({ at: Date.parse(d!.nextAttemptAt!), tenant: 'default', id: d!.id });
  e.clock.advance(5_000);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  expect(sent).toHaveLength(2);
});

test('a deferral (rate limit) wakes at the deferred time', async () => {
  const sent: WakeUp[] = [];
  const e = engine(async (w) => void sent.push(w));
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, rateLimit: { perSecond: 1, burst: 1 } });
  await fanOut(event('e3'), e.deps);
  await fanOut(event('e4'), e.deps);
  const report = await sweepDue(e.deps, { concurrency: 1 });
  expect(report).toEqual(expect.objectContaining({ succeeded: 1, deferred: 1 }));
  const pending = (await deliveries(e.deps)).find((d) => d.status === 'pending')!;
  expect(sent).toHaveLength(3);
  expect(sent[2]).toEqual({ at: Date.parse(pending.nextAttemptAt!), tenant: 'default', id: pending.id });
  expect(sent[2]!.at).toBeGreaterThan(e.clock.now());
});

test('a deferral by an open breaker sends no wake-up: the sweep looks again, instead of every pending delivery waking at the probe time', async () => {
  const sent: WakeUp[] = [];
  const e = engine(async (w) => void sent.push(w), { deliveries: { breaker: { failureThreshold: 1, openForMs: 60_000 } } });
  const rx = await receiver(() => ({ status: 500 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('b1'), e.deps);
  expect((await sweepDue(e.deps)).retrying).toBe(1); // the breaker is now open
  for (const id of ['b2', 'b3', 'b4']) await fanOut(event(id), e.deps);
  const before = sent.length;
  const report = await sweepDue(e.deps);
  expect(report.deferred).toBe(3);
  expect(sent.slice(before)).toEqual([]);
  // Deferred to the probe time all the same, and the sweep then takes them.
  const held = (await deliveries(e.deps)).filter((d) => d.attempts.length === 0);
  expect(held.map((d) => d.nextAttemptAt)).toEqual(Array(3).fill(new Date(e.clock.now() + 60_000).toISOString()));
  for (const d of held) expect(await e.deps.store.get(keys.due(Date.parse(d.nextAttemptAt!), 'default', d.id))).toBeDefined();
});

test('a wake-up that cannot be sent is logged and fails neither fan-out nor the attempt', async () => {
  const e = engine(async () => { throw new Error('queue down'); });
  const rx = await receiver(() => ({ status: 500 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  expect((await fanOut(event('e5'), e.deps)).created).toHaveLength(1);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  expect(e.warnings).toHaveLength(2);
  expect(e.warnings[0]).toEqual(expect.objectContaining({ tenant: 'default', error: 'queue down' }));
  const [d] = await deliveries(e.deps);
  expect(await e.deps.store.get(keys.due(Date.parse(d!.nextAttemptAt!), 'default', d!.id))).toBeDefined();
});
