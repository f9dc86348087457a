import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { eventRef, keys } from '../keys';
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

test('a disabled subscription gets no delivery; the enabled ones of the tenant do', async () => {
  const t = testDeps();
  await seedSubscription(t.deps, { url: 'https://hooks.example.com/off', enabled: false, disabledReason: 'user' });
  const on = await seedSubscription(t.deps, { url: 'https://hooks.example.com/on' });
  const { created } = await fanOut(event, t.deps);
  expect(created.map((d) => d.subscriptionId)).toEqual([on.sub.id]);
});

test('an operational event about a subscription goes to the tenant\'s other subscriptions, never to that one', async () => {
  const t = testDeps();
  const failing = await seedSubscription(t.deps, { url: 'https://hooks.example.com/failing' });
  const watcher = await seedSubscription(t.deps, { url: 'https://hooks.example.com/ops' });
  const notice: CloudEvent = {
    ...event, id: 'ops-1', source: 'secorch/deliveries', type: 'secorch.system.delivery.failing', data: { subscriptionId: failing.sub.id },
  };
  expect((await fanOut(notice, t.deps)).created.map((d) => d.subscriptionId)).toEqual([watcher.sub.id]);
  // The same subscription id in an ordinary event's data means nothing.
  const ordinary: CloudEvent = { ...event, id: 'e-2', data: { subscriptionId: failing.sub.id } };
  expect((await fanOut(ordinary, t.deps)).created.map((d) => d.subscriptionId).sort()).toEqual([failing.sub.id, watcher.sub.id].sort());
});

// The router takes from its queue any event with non-empty string attributes: a source with a lone
// surrogate reaches the fan-out. Two sources that differ only there are two events.
test('events whose sources differ only in a lone surrogate each get their delivery and their own stored event', async () => {
  const t = testDeps();
  await seedSubscription(t.deps, { url: 'https://hooks.example.com/on' });
  const sources = ['scanner\uD800', 'scanner\uDBFF', 'scanner\uFFFD'];
  for (const source of sources) expect(await fanOut({ ...event, source }, t.deps)).toMatchObject({ existing: 0, created: [expect.objectContaining({ eventSource: source })] });
  const stored = await Promise.all(sources.map(async (source) => (await t.deps.store.get(keys.event('default', eventRef(source, event.id))))!.value));
  expect(stored.map((text) => (JSON.parse(text) as CloudEvent).source)).toEqual(sources);
});

test('a later event with the same source and id but other content is a duplicate: no deliveries, and the stored copy stays the first event', async () => {
  const t = testDeps();
  const low = await seedSubscription(t.deps, { url: 'https://hooks.example.com/low', filter: { exact: { type: 'com.example.low' } } });
  await seedSubscription(t.deps, { url: 'https://hooks.example.com/high', filter: { exact: { type: 'com.example.high' } } });
  const first: CloudEvent = { ...event, id: 'dup', type: 'com.example.low', data: { secret: false } };
  const second: CloudEvent = { ...event, id: 'dup', type: 'com.example.high', data: { secret: 'only-for-high' } };
  expect((await fanOut(first, t.deps)).created.map((d) => d.subscriptionId)).toEqual([low.sub.id]);
  // Before, the second overwrote the stored copy the low subscription's delivery sends.
  expect(await fanOut(second, t.deps)).toEqual({ created: [], existing: 0 });
  const stored = JSON.parse((await t.deps.store.get(keys.event('default', eventRef(event.source, 'dup'))))!.value) as CloudEvent;
  expect(stored).toMatchObject({ type: 'com.example.low', data: { secret: false } });
  // The same event again (a redelivered router message) finds its delivery made.
  expect(await fanOut(first, t.deps)).toEqual({ created: [], existing: 1 });
});

test('the same event fanned out again renews its stored copy, which a delivery created then sends for its whole retry schedule', async () => {
  const t = testDeps();
  const DAY = 86_400_000;
  await seedSubscription(t.deps, { url: 'https://hooks.example.com/first' });
  await fanOut(event, t.deps);
  const key = keys.event('default', eventRef(event.source, event.id));
  const firstExpiry = (await t.deps.store.get(key))!.expiresAt!;
  expect(firstExpiry).toBe(t.clock.now() + 30 * DAY);
  // 29 days on, a subscription created since matches the event, replayed from a dead letter.
  t.clock.advance(29 * DAY);
  const later = await seedSubscription(t.deps, { url: 'https://hooks.example.com/later' });
  expect((await fanOut(event, t.deps)).created.map((d) => d.subscriptionId)).toEqual([later.sub.id]);
  expect((await t.deps.store.get(key))!.expiresAt).toBe(t.clock.now() + 30 * DAY);
});
