import { Webhook } from 'standardwebhooks';
import { testDeps } from '../../../test/deps';
import type { LookupFunction } from 'node:net';
import { guardedDeliveryClient } from '../../http/delivery-client';
import { guardedAgent } from '../../http/egress-agent';
import type { CloudEvent } from '../../events/cloudevent';
import { withResponses } from '../attempt-log';
import { eventRef, keys } from '../keys';
import type { Delivery, Subscription } from '../model';
import { rotateSecrets } from '../model';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { receiver, seedSubscription } from './testkit';
import type { DeliveryDeps } from './deps';

/**
 * The delivery engine end to end in one process: fan-out, the due index, attempts over real
 * HTTP to a receiver on 127.0.0.1 (through the egress-guarded client), retries on the injected
 * clock, the breaker and disabling. Receivers verify with the `standardwebhooks` library.
 */
const event = (id: string, over: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', origin: 'api:ci',
  datacontenttype: 'application/json', data: { severity: 'high', title: `finding ${id}` }, ...over,
});

/**
 * `timeoutMs` is the client's deadline. It is generous by default: on a loaded machine an answer
 * from 127.0.0.1 can take longer than a few hundred ms, and a timed-out attempt is a retry where
 * a test expects a success. Only the tests whose receiver never answers pass a short one.
 */
function engine(config: Record<string, unknown> = {}, timeoutMs = 10_000, maxBodyBytes?: number) {
  // The clock starts at the real time: receivers (the standardwebhooks library) check timestamps against it.
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...config }, {}, Date.now());
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs, maxBodyBytes });
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  return { ...t, deps, close: () => outbound.close() };
}

/** The tenant's deliveries with their attempts' responses, as GET /deliveries/{id} shows each. */
async function deliveryOf(deps: DeliveryDeps, tenant = 'default'): Promise<Delivery[]> {
  const page = await deps.store.list(keys.deliveries(tenant));
  return Promise.all(page.items.map((i) => withResponses(deps.store, JSON.parse(i.value) as Delivery)));
}

const storedSubscription = async (deps: DeliveryDeps, id: string, tenant = 'default') =>
  JSON.parse((await deps.store.get(keys.subscription(tenant, id)))!.value) as Subscription;

const dueKeys = async (deps: DeliveryDeps) => (await deps.store.list(keys.duePrefix)).items.map((i) => i.key);

const S = 1000;
const DAY = 24 * 3600 * S;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

test('one signed delivery per matching subscription; a redelivered event creates none', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const { secret } = await seedSubscription(e.deps, { url: rx.url });
  await seedSubscription(e.deps, { url: rx.url, filter: { sql: "type LIKE 'secorch.audit.%'" } });
  await seedSubscription(e.deps, { url: rx.url, tenant: 'other' });

  expect((await fanOut(event('e1'), e.deps)).created).toHaveLength(1);
  expect(await fanOut(event('e1'), e.deps)).toEqual({ created: [], existing: 1 });
  const report = await sweepDue(e.deps);
  expect(report.succeeded).toBe(1);
  expect(rx.received).toHaveLength(1);
  const got = rx.received[0]!;
  const payload = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as CloudEvent;
  expect(payload).toEqual(expect.objectContaining({ id: 'e1', type: 'secorch.finding.created', tenant: 'default' }));
  expect(got.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'succeeded', id: got.headers['webhook-id'] }));
  expect(d!.attempts).toEqual([expect.objectContaining({ n: 1, status: 204 })]);
  expect(await sweepDue(e.deps)).toEqual(expect.objectContaining({ succeeded: 0, stale: 0 }));
});

test('events are told apart by source and id: two sources that reuse an id each reach their own subscribers', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const onlyA = await seedSubscription(e.deps, { url: `${rx.url}/a`, filter: { exact: { source: 'scanner-a' } } });
  const onlyB = await seedSubscription(e.deps, { url: `${rx.url}/b`, filter: { exact: { source: 'scanner-b' } } });
  const both = await seedSubscription(e.deps, { url: `${rx.url}/all` });
  // Both fanned out before anything is sent: the second must not replace the first's stored event.
  expect((await fanOut(event('1', { source: 'scanner-a', data: { from: 'A' } }), e.deps)).created).toHaveLength(2);
  expect((await fanOut(event('1', { source: 'scanner-b', data: { from: 'B' } }), e.deps)).created).toHaveLength(2);
  // A redelivered router message of either is still recognised.
  expect(await fanOut(event('1', { source: 'scanner-b', data: { from: 'B' } }), e.deps)).toEqual({ created: [], existing: 2 });
  expect((await sweepDue(e.deps)).succeeded).toBe(4);

  // Each subscription has its own secret: what verifies with it was delivered to it.
  const seen = (sub: { sub: Subscription; secret: string }) => rx.received
    .flatMap((r) => {
      try {
        return [new Webhook(sub.secret).verify(r.body, r.headers as Record<string, string>) as CloudEvent];
      } catch {
        return [];
      }
    })
    .map((ev) => `${ev.source}:${(ev.data as { from: string }).from}`)
    .sort();
  expect(seen(onlyA)).toEqual(['scanner-a:A']);
  expect(seen(onlyB)).toEqual(['scanner-b:B']);
  expect(seen(both)).toEqual(['scanner-a:A', 'scanner-b:B']);
  expect((await deliveryOf(e.deps)).map((d) => d.eventSource).sort()).toEqual(['scanner-a', 'scanner-a', 'scanner-b', 'scanner-b']);
});

test('a delivery written before the event source was kept still finds its event (stored under the id alone)', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const { sub, secret } = await seedSubscription(e.deps, { url: rx.url });
  const now = e.clock.now();
  const at = new Date(now).toISOString();
  const legacy: Delivery = { id: 'msg_legacy1', tenant: 'default', subscriptionId: sub.id, eventId: 'old-1', eventType: 'secorch.finding.created', status: 'pending', attempts: [], nextAttemptAt: at, createdAt: at, updatedAt: at };
  await e.deps.store.put('evt:default:old-1', JSON.stringify(event('old-1')));
  await e.deps.store.put(keys.delivery('default', legacy.id), JSON.stringify(legacy));
  await e.deps.store.put(keys.due(now, 'default', legacy.id), '');
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  expect((new Webhook(secret).verify(rx.received[0]!.body, rx.received[0]!.headers as Record<string, string>) as CloudEvent).id).toBe('old-1');
});

test('retries on the schedule with the same webhook-id, and records every attempt', async () => {
  const e = engine();
  const rx = await receiver((_r, n) => (n < 3 ? { status: 500 } : { status: 200 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e2'), e.deps);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  let [d] = await deliveryOf(e.deps);
  const first = Date.parse(d!.attempts[0]!.at);
  // random 0.5 = no jitter: the first retry is 5 s after the first attempt ended.
  expect(Date.parse(d!.nextAttemptAt!) - first).toBe(5000);
  expect(d).toEqual(expect.objectContaining({ status: 'pending', lastError: 'HTTP 500' }));
  e.clock.advance(4999);
  expect((await sweepDue(e.deps)).retrying).toBe(0);
  e.clock.advance(1);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  e.clock.advance(5 * 60 * 1000);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  [d] = await deliveryOf(e.deps);
  expect(d!.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  expect(d!.attempts[0]!.responseBody).toBe('answer 1');
  // A success leaves no error or next attempt behind from the failures before it, and no lease.
  expect(d).not.toHaveProperty('lastError');
  expect(d).not.toHaveProperty('nextAttemptAt');
  expect(d).not.toHaveProperty('lease');
  // The record's other members keep the places fan-out gave them.
  expect(Object.keys(d!)).toEqual(['id', 'tenant', 'subscriptionId', 'eventId', 'eventSource', 'eventType', 'status', 'attempts', 'createdAt', 'updatedAt']);
  expect(d!.updatedAt).toBe(new Date(e.clock.now()).toISOString());
  expect(new Set(rx.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([d!.id]));
  expect(new Set(rx.received.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
});

test('a 429 waits at least 60 s and honours Retry-After within twice the delay', async () => {
  const e = engine();
  const rx = await receiver(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e3'), e.deps);
  await sweepDue(e.deps);
  const [d] = await deliveryOf(e.deps);
  const wait = Date.parse(d!.nextAttemptAt!) - Date.parse(d!.attempts[0]!.at);
  expect(wait).toBe(120_000); // max(5 s, 60 s) = 60 s, Retry-After 1 h clamped to 2 x 60 s
});

test('a timeout is recorded and retried after the 60 s floor', async () => {
  const e = engine({}, 300);
  const rx = await receiver(() => 'hang');
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e4'), e.deps);
  await sweepDue(e.deps);
  const [d] = await deliveryOf(e.deps);
  expect(d!.attempts[0]).toEqual(expect.objectContaining({ error: 'delivery_timeout' }));
  expect(d).toEqual(expect.objectContaining({ status: 'pending', lastError: 'delivery_timeout' }));
  // No jitter (random 0.5): the scheduled 5 s raised to exactly the 60 s floor of a throttled attempt.
  expect(Date.parse(d!.nextAttemptAt!) - Date.parse(d!.attempts[0]!.at)).toBe(60_000);
});

// The agent's connect timeout (10 s by default) ends a connection that never completes before the
// 15 s delivery deadline does: a host that drops SYNs, a name server that never answers. That is
// a timeout too, and the endpoint overloaded or unreachable: the same 60 s floor applies.
test('a connect that times out is retried after the 60 s floor, like any timeout', async () => {
  const e = engine();
  const stuck = (() => undefined) as unknown as LookupFunction;
  const agent = guardedAgent({ allowPrivate: [], lookup: stuck, connectTimeoutMs: 200 });
  const outbound = guardedDeliveryClient({ allowPrivate: [], agent, timeoutMs: 5_000 });
  closers.push(e.close, () => agent.destroy());
  const deps: DeliveryDeps = { ...e.deps, outbound };
  await seedSubscription(deps, { url: 'http://unreachable.example/hook' });
  await fanOut(event('e-connect'), deps);
  await sweepDue(deps);
  const [d] = await deliveryOf(deps);
  expect(d!.attempts[0]).toEqual(expect.objectContaining({ error: 'UND_ERR_CONNECT_TIMEOUT' }));
  expect(d!.status).toBe('pending');
  expect(Date.parse(d!.nextAttemptAt!) - Date.parse(d!.attempts[0]!.at)).toBe(60_000);
});

test('an attempt without a response records how long it ran: a timeout its deadline, not 0 ms', async () => {
  const e = engine({}, 400);
  const rx = await receiver(() => 'hang');
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-slow'), e.deps);
  await sweepDue(e.deps);
  const [d] = await deliveryOf(e.deps);
  expect(d!.attempts[0]).toEqual(expect.objectContaining({ error: 'delivery_timeout' }));
  // The injected clock stands still: this is the request's own (monotonic) time, as for a response.
  expect(d!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(350);
  expect(d!.attempts[0]!.durationMs).toBeLessThan(10_000);
});

test('410 Gone fails the delivery, disables the subscription and says so on the bus', async () => {
  const e = engine();
  const rx = await receiver(() => ({ status: 410 }));
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e5'), e.deps);
  await fanOut(event('e5b'), e.deps);
  // One lane: the second delivery is attempted after the first got its 410, in the same sweep.
  expect(await sweepDue(e.deps, { concurrency: 1 })).toEqual(expect.objectContaining({ failed: 2, retrying: 0 }));
  expect(await storedSubscription(e.deps, sub.id)).toEqual(expect.objectContaining({ enabled: false, disabledReason: 'gone' }));
  // The sweep sees the subscription it just disabled: the other delivery is not sent.
  expect(rx.received).toHaveLength(1);
  const byError = Object.fromEntries((await deliveryOf(e.deps)).map((d) => [d.lastError, d.attempts.map((a) => a.status)]));
  expect(byError).toEqual({ 'gone: HTTP 410': [410], 'subscription_disabled:gone': [] });
  // The disabling notice, and the failed delivery's (the one that never went out fails without one).
  expect(e.bus.events.map((x) => x.type)).toEqual(['secorch.system.subscription.disabled', 'secorch.system.delivery.failed']);
  expect(e.bus.events[0]!.data).toEqual(expect.objectContaining({ subscriptionId: sub.id, reason: 'gone' }));
  expect(e.bus.events[1]!.data).toEqual(expect.objectContaining({ subscriptionId: sub.id, lastError: 'gone: HTTP 410', attempts: 1 }));
  // A disabled subscription gets nothing more, its own disabling notice included.
  expect((await fanOut(event('e5c'), e.deps)).created).toHaveLength(0);
  expect((await fanOut(e.bus.events[0]!, e.deps)).created).toHaveLength(0);
});

test('a pending delivery of a subscription disabled since is failed without being sent', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-off'), e.deps);
  await e.deps.store.put(keys.subscription('default', sub.id), JSON.stringify({ ...sub, enabled: false, disabledReason: 'user' }));
  expect((await sweepDue(e.deps)).failed).toBe(1);
  expect(rx.received).toHaveLength(0);
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'failed', lastError: 'subscription_disabled:user', attempts: [] }));
  expect(await dueKeys(e.deps)).toEqual([]);
});

test('five days of continuous failure disable the subscription (reason failing); four do not', async () => {
  // One attempt a day, so the breaker alone decides when the failures have lasted 5 days (the default).
  const e = engine({ deliveries: { retry: { schedule: [0, DAY, DAY, DAY, DAY, DAY, DAY], jitter: 0 } } });
  const rx = await receiver(() => ({ status: 503 }));
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-days'), e.deps);
  const disabledNotices = () => e.bus.events.filter((x) => x.type === 'secorch.system.subscription.disabled');
  for (let day = 0; day <= 4; day++) {
    expect((await sweepDue(e.deps)).retrying).toBe(1);
    e.clock.advance(DAY);
  }
  // Day 4: five failures (the breaker is open) over four days: still enabled.
  expect(await storedSubscription(e.deps, sub.id)).toEqual(expect.objectContaining({ enabled: true }));
  expect(disabledNotices()).toEqual([]);
  // Day 5: the probe fails 5 days after the first failure.
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  expect(await storedSubscription(e.deps, sub.id)).toEqual(expect.objectContaining({ enabled: false, disabledReason: 'failing' }));
  expect(disabledNotices().map((x) => x.data)).toEqual([expect.objectContaining({ subscriptionId: sub.id, reason: 'failing' })]);
  e.clock.advance(DAY);
  expect((await sweepDue(e.deps)).failed).toBe(1);
  expect(rx.received).toHaveLength(6);
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'failed', lastError: 'subscription_disabled:failing' }));
  expect(d!.attempts.map((a) => Date.parse(a.at) - Date.parse(d!.createdAt))).toEqual([0, 1, 2, 3, 4, 5].map((n) => n * DAY));
});

test('the attempt log keeps the response headers but a receiver\'s set-cookie', async () => {
  const e = engine();
  const rx = await receiver(() => ({ status: 503, headers: { 'retry-after': '30', 'set-cookie': 'session=abc123; HttpOnly', 'x-request-id': 'r-1' } }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-cookie'), e.deps);
  await sweepDue(e.deps);
  const [d] = await deliveryOf(e.deps);
  expect(d!.attempts[0]!.responseHeaders).toEqual(expect.objectContaining({ 'retry-after': '30', 'x-request-id': 'r-1' }));
  expect(d!.attempts[0]!.responseHeaders).not.toHaveProperty('set-cookie');
});

test('a response body is kept in the attempt log up to 20 KB, a character cut at the limit dropped', async () => {
  // The client here reads more than 20 KB (its default cap is also 20 KB): the log's own limit is checked.
  const e = engine({}, 10_000, 64 * 1024);
  // 1 + 3 x 10000 bytes: the 20 KB limit falls one byte into the 6827th euro sign.
  const rx = await receiver(() => ({ status: 500, body: `x${'€'.repeat(10_000)}` }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-big'), e.deps);
  await sweepDue(e.deps);
  const [d] = await deliveryOf(e.deps);
  expect(d!.attempts[0]!.responseBody).toBe(`x${'€'.repeat(6826)}`);
  expect(Buffer.byteLength(d!.attempts[0]!.responseBody!)).toBe(20 * 1024 - 1);
});

test('a refused connection is recorded under its system code, and retried', async () => {
  const e = engine();
  // A port that was just listened on and closed again: nothing answers there.
  const gone = await receiver();
  await gone.close();
  closers.push(e.close);
  await seedSubscription(e.deps, { url: gone.url });
  await fanOut(event('e-refused'), e.deps);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  const [d] = await deliveryOf(e.deps);
  expect(d!.attempts).toEqual([expect.objectContaining({ n: 1, error: 'ECONNREFUSED' })]);
  expect(d!.attempts[0]).not.toHaveProperty('status');
  expect(d!.lastError).toBe('ECONNREFUSED');
});

test('the subscription\'s extra headers are sent, but never in place of the delivery\'s own', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  // content-type is stored straight, bypassing the API's sanitizer, as an older record might hold it.
  const { secret } = await seedSubscription(e.deps, { url: rx.url, headers: { 'x-api-key': 'k1', authorization: 'Bearer abc', 'content-type': 'text/plain' } });
  await fanOut(event('e-headers'), e.deps);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  const got = rx.received[0]!;
  expect(got.headers).toEqual(expect.objectContaining({
    'x-api-key': 'k1', authorization: 'Bearer abc', 'user-agent': 'secorch-webhooks/1', 'content-type': 'application/cloudevents+json; charset=utf-8',
  }));
  expect(() => new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
});

test('a delivery whose 4th attempt is its last is failed: delivery.failed, with no delivery.failing notice', async () => {
  const e = engine({ deliveries: { retry: { schedule: [0, 1000, 1000, 1000], jitter: 0 }, breaker: { failureThreshold: 100 } } });
  const rx = await receiver(() => ({ status: 503 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-four'), e.deps);
  for (let i = 0; i < 4; i++) {
    await sweepDue(e.deps);
    e.clock.advance(1000);
  }
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'failed', lastError: 'HTTP 503' }));
  expect(d!.attempts).toHaveLength(4);
  expect(e.bus.events).toHaveLength(1);
  expect(e.bus.events[0]).toMatchObject({
    type: 'secorch.system.delivery.failed', source: 'secorch/deliveries', subject: d!.subscriptionId, tenant: 'default', origin: 'system',
    data: { subscriptionId: d!.subscriptionId, deliveryId: d!.id, eventId: d!.eventId, attempts: 4, lastError: 'HTTP 503' },
  });
  // Another sweep finds nothing due and says nothing more.
  e.clock.advance(60_000);
  await sweepDue(e.deps);
  expect(e.bus.events).toHaveLength(1);
});

test('a sweep makes at most maxItems attempts; the next sweep takes the rest', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  for (const id of ['m1', 'm2', 'm3']) await fanOut(event(id), e.deps);
  expect((await sweepDue(e.deps, { maxItems: 2 })).succeeded).toBe(2);
  expect(rx.received).toHaveLength(2);
  expect((await sweepDue(e.deps, { maxItems: 2 })).succeeded).toBe(1);
  expect(rx.received).toHaveLength(3);
});

test('a sweep reads the due index page after page: every attempt is made once, none twice', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
  for (const id of ids) await fanOut(event(id), e.deps);
  expect(await sweepDue(e.deps, { pageSize: 2, concurrency: 2 })).toEqual({ stale: 0, busy: 0, deferred: 0, succeeded: 7, retrying: 0, failed: 0, errors: 0 });
  expect(rx.received.map((r) => (JSON.parse(r.body) as CloudEvent).id).sort()).toEqual(ids);
  expect(await dueKeys(e.deps)).toEqual([]);
});

test('after the last attempt the delivery is failed with every attempt kept; delivery.failing after the 4th', async () => {
  const e = engine({ deliveries: { retry: { schedule: [0, 1000, 1000, 1000, 1000], jitter: 0 }, breaker: { failureThreshold: 100 } } });
  const rx = await receiver(() => ({ status: 503 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e6'), e.deps);
  for (let i = 0; i < 5; i++) {
    await sweepDue(e.deps);
    e.clock.advance(1000);
  }
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'failed', lastError: 'HTTP 503' }));
  expect(d!.attempts.map((a) => a.n)).toEqual([1, 2, 3, 4, 5]);
  expect(e.bus.events.filter((x) => x.type === 'secorch.system.delivery.failing')).toHaveLength(1);
  expect(e.bus.events.filter((x) => x.type === 'secorch.system.delivery.failed').map((x) => (x.data as { attempts: number }).attempts)).toEqual([5]);
});

test('an open breaker holds other deliveries back without spending their attempts', async () => {
  const e = engine({ deliveries: { breaker: { failureThreshold: 2, openForMs: 60_000 } } });
  const rx = await receiver(() => ({ status: 500 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('a'), e.deps);
  await fanOut(event('b'), e.deps);
  await sweepDue(e.deps, { concurrency: 1 });
  expect(rx.received).toHaveLength(2); // both failed: the breaker is now open
  await fanOut(event('c'), e.deps);
  const report = await sweepDue(e.deps);
  expect(report.deferred).toBe(1);
  expect(rx.received).toHaveLength(2);
  const c = (await deliveryOf(e.deps)).find((d) => d.eventId === 'c')!;
  expect(c.attempts).toHaveLength(0);
  // Deferred to the probe time: the breaker opened at the second failure, now (the clock stood still).
  expect(c.nextAttemptAt).toBe(new Date(e.clock.now() + 60_000).toISOString());
});

test('during a secret rotation both secrets sign; a receiver with either accepts', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const { sub, secret: old } = await seedSubscription(e.deps, { url: rx.url });
  const next = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const sealed = await e.deps.sealer.seal(next, { tenant: 'default', subscription: sub.id });
  const rotated = { ...sub, secrets: rotateSecrets(sub.secrets, sealed, e.clock.now()) };
  await e.deps.store.put(keys.subscription('default', sub.id), JSON.stringify(rotated));
  await fanOut(event('e7'), e.deps);
  await sweepDue(e.deps);
  const got = rx.received[0]!;
  expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
  for (const s of [old, next]) expect(() => new Webhook(s).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
});

test('a transform replaces the data; one that fails on the event fails the delivery', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, transform: '{ "text": data.title & " (" & $uppercase(data.severity) & ")" }' });
  await seedSubscription(e.deps, { url: rx.url, transform: '$error("no")' });
  await fanOut(event('e8'), e.deps);
  const report = await sweepDue(e.deps);
  expect(report).toEqual(expect.objectContaining({ succeeded: 1, failed: 1 }));
  expect(JSON.parse(rx.received[0]!.body).data).toEqual({ text: 'finding e8 (HIGH)' });
});

// A transform that cannot be applied to the stored event fails the delivery as transform_failed
// (what was thrown, in the error), as one failing on its own does: not as an internal error, and
// not as an attempt that throws and is taken up again at every lease.
test('a transform on a stored event that is no JSON object fails the delivery as transform_failed, nothing sent', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, transform: 'data' });
  const sent = event('e-damaged');
  await fanOut(sent, e.deps);
  await e.deps.store.put(keys.event('default', eventRef(sent.source, sent.id)), 'null');
  expect(await sweepDue(e.deps)).toEqual(expect.objectContaining({ failed: 1, errors: 0 }));
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'failed', attempts: [] }));
  expect(d!.lastError).toMatch(/^transform_failed: transform failed: Cannot destructure/);
  expect(rx.received).toHaveLength(0);
});

test('a transformed binary or text event is sent as JSON data: data_base64 dropped, datacontenttype application/json', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, transform: '{ "summary": type, "bytes": $length(data_base64) }' });
  const binary = event('e9', { datacontenttype: 'application/octet-stream', data: undefined, data_base64: Buffer.from('plain bytes').toString('base64') });
  delete binary.data;
  await fanOut(binary, e.deps);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  const sent = JSON.parse(rx.received[0]!.body) as CloudEvent;
  expect(sent).not.toHaveProperty('data_base64');
  expect(sent).toEqual(expect.objectContaining({ id: 'e9', datacontenttype: 'application/json', data: { summary: 'secorch.finding.created', bytes: 16 } }));
});

test('private destinations are refused unless egress.allowPrivate opens them', async () => {
  const t = testDeps();
  const outbound = guardedDeliveryClient({ allowPrivate: [] });
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  const rx = await receiver();
  closers.push(() => outbound.close(), rx.close);
  await seedSubscription(deps, { url: rx.url });
  await fanOut(event('e9'), deps);
  await sweepDue(deps);
  const [d] = await deliveryOf(deps);
  expect(d!.attempts[0]).toEqual(expect.objectContaining({ error: 'egress_denied' }));
  expect(rx.received).toHaveLength(0);
});

test('the due index holds one key per pending delivery: moved with each retry, gone once settled', async () => {
  const e = engine();
  const rx = await receiver((_r, n) => (n < 2 ? { status: 500 } : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-due'), e.deps);
  const [first] = await dueKeys(e.deps);
  expect(await dueKeys(e.deps)).toHaveLength(1);
  expect((await sweepDue(e.deps)).retrying).toBe(1);
  const [d] = await deliveryOf(e.deps);
  // The outcome and the move of the due key are one write: the old key is gone, the new one is at the retry time.
  expect(await dueKeys(e.deps)).toEqual([keys.due(Date.parse(d!.nextAttemptAt!), 'default', d!.id)]);
  expect(await dueKeys(e.deps)).not.toContain(first);
  e.clock.advance(5000);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  expect(await dueKeys(e.deps)).toEqual([]);
});

test('a worker whose lease ran out loses its outcome to the worker that took over: one attempt recorded, same webhook-id', async () => {
  // The first request hangs until the client's deadline; the second is answered at once. The
  // deadline leaves the steps below, made while the first request hangs, ample time under load.
  const e = engine({}, 1_500);
  const rx = await receiver((_r, n) => (n === 1 ? 'hang' : { status: 204 }));
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url });
  await fanOut(event('e-lease'), e.deps);
  const slow = sweepDue(e.deps);
  while (rx.received.length === 0) await new Promise((r) => setTimeout(r, 5));
  // While its lease holds, another worker leaves the attempt alone.
  expect(await sweepDue(e.deps)).toEqual(expect.objectContaining({ busy: 1, succeeded: 0 }));
  expect(rx.received).toHaveLength(1);
  // The slow worker's lease (timeout 15 s + 15 s) runs out; another worker takes the attempt.
  e.clock.advance(30_001);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  // Its timeout outcome is refused (the record's version is no longer its lease's) and it says so.
  expect(await slow).toEqual(expect.objectContaining({ busy: 1, retrying: 0, succeeded: 0 }));
  const [d] = await deliveryOf(e.deps);
  expect(d).toEqual(expect.objectContaining({ status: 'succeeded' }));
  // The taker's outcome was written from the record less the lease that had run out.
  expect(d).not.toHaveProperty('lease');
  expect(d!.attempts).toEqual([expect.objectContaining({ n: 1, status: 204 })]);
  expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual([d!.id, d!.id]);
  expect(await dueKeys(e.deps)).toEqual([]);
});

test('a sealed secret copied into another subscription does not sign for it, even after it was opened for its own', async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  const { sub: a, secret } = await seedSubscription(e.deps, { url: rx.url, filter: { sql: "source = 'test/a'" } });
  await fanOut(event('k1', { source: 'test/a' }), e.deps);
  expect((await sweepDue(e.deps)).succeeded).toBe(1); // a's secret is now opened and kept
  // Someone with write access to the store copies a's sealed secret into b's record.
  const { sub: b } = await seedSubscription(e.deps, { url: rx.url, filter: { sql: "source = 'test/b'" } });
  await e.deps.store.put(keys.subscription('default', b.id), JSON.stringify({ ...b, secrets: a.secrets }));
  await fanOut(event('k2', { source: 'test/b' }), e.deps);
  await sweepDue(e.deps).catch(() => undefined);
  // Nothing reached the receiver signed with a's key for b's event.
  const signedForB = rx.received.filter((r) => JSON.parse(r.body).id === 'k2');
  for (const r of signedForB) expect(() => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).toThrow();
  expect(signedForB).toHaveLength(0);
});

test("a transform's $millis() is the delivery worker's clock, one instant per application", async () => {
  const e = engine();
  const rx = await receiver();
  closers.push(e.close, rx.close);
  await seedSubscription(e.deps, { url: rx.url, transform: '{ "at": $millis(), "same": $millis() = $toMillis($now()) }' });
  e.clock.advance(3 * DAY);
  await fanOut(event('t1'), e.deps);
  expect((await sweepDue(e.deps)).succeeded).toBe(1);
  expect(JSON.parse(rx.received[0]!.body).data).toEqual({ at: e.clock.now(), same: true });
});
