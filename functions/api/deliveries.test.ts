import { INLINE_CHARS } from '../../shared/delivery/attempt-log';
import { keys } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import { sweepDue } from '../../shared/delivery/engine/sweep';
import { receiver } from '../../shared/delivery/engine/testkit';
import type { WakeUp } from '../../shared/ports/wakeups';
import { MAX_SCANNED } from './deliveries';
import { MAX_SCANNED_CHARS } from './delivery-scan';
import { apiAndEngine, apiDeps, call, countReads, KEY, seedDelivery, storedDelivery } from './testkit';

type Deps = ReturnType<typeof apiDeps>['deps'];
const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const subscribe = async (deps: Deps) => (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://hooks.example.com/x' } })).json.id as string;

/** 30 deliveries a minute apart: subscriptions A and B alternate, statuses cycle. */
async function seedLog(deps: Deps) {
  const statuses = ['failed', 'succeeded', 'pending'] as const;
  const out: Delivery[] = [];
  for (let i = 0; i < 30; i++) out.push(await seedDelivery(deps, { subscriptionId: i % 2 === 0 ? 'sub_A' : 'sub_B', status: statuses[i % 3]! }, T0 + i * MIN));
  await seedDelivery(deps, { subscriptionId: 'sub_G', tenant: 'globex' }, T0 + 5 * MIN);
  return out;
}

async function all(deps: Deps, query: string, limit = 7): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await call(deps, 'GET', `/deliveries?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ''}`, { key: KEY.reader });
    expect(res.status).toBe(200);
    ids.push(...res.json.items.map((d: { id: string }) => d.id));
    cursor = res.json.next_cursor;
    pages += 1;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe('GET /deliveries', () => {
  test('pages cover the log exactly once, oldest first, as summaries without attempt bodies', async () => {
    const { deps } = apiDeps();
    const log = await seedLog(deps);
    const { ids, pages } = await all(deps, '');
    expect(ids).toEqual(log.map((d) => d.id));
    expect(pages).toBe(5); // 7+7+7+7+2: the last page carries no cursor
    const first = await call(deps, 'GET', '/deliveries?limit=1');
    expect(first.json.items[0]).toEqual({
      id: log[0]!.id, subscriptionId: 'sub_A', eventId: log[0]!.eventId, eventType: 'secorch.finding.created', status: 'failed',
      attempts: 1, lastError: 'HTTP 500', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(first.text).not.toContain('oops');
    expect((await call(deps, 'GET', '/deliveries', { key: KEY.globex })).json.items).toHaveLength(1);
  });

  test('filters: subscription, status, since and until (inclusive), combined', async () => {
    const { deps } = apiDeps();
    const log = await seedLog(deps);
    const ids = (f: (d: Delivery, i: number) => boolean) => log.filter(f).map((d) => d.id);
    expect((await all(deps, 'subscription=sub_B')).ids).toEqual(ids((d) => d.subscriptionId === 'sub_B'));
    expect((await all(deps, 'status=failed')).ids).toEqual(ids((d) => d.status === 'failed'));
    const since = new Date(T0 + 10 * MIN).toISOString();
    const until = new Date(T0 + 20 * MIN).toISOString();
    expect((await all(deps, `since=${since}&until=${until}`)).ids).toEqual(ids((_d, i) => i >= 10 && i <= 20));
    expect((await all(deps, `since=${since}&until=${until}&subscription=sub_A&status=succeeded`, 2)).ids)
      .toEqual(ids((d, i) => i >= 10 && i <= 20 && d.subscriptionId === 'sub_A' && d.status === 'succeeded'));
    expect((await all(deps, 'subscription=sub_G')).ids).toEqual([]);
  });

  test('since equal to until is a one-millisecond window: the delivery created at that instant', async () => {
    const { deps } = apiDeps();
    const log = await seedLog(deps);
    const at = new Date(T0 + 12 * MIN).toISOString();
    const res = await call(deps, 'GET', `/deliveries?since=${at}&until=${at}`, { key: KEY.reader });
    expect(res.status).toBe(200);
    expect(res.json.items.map((d: { id: string }) => d.id)).toEqual([log[12]!.id]);
  });

  test('a sparse filter reads at most MAX_SCANNED records per request and hands back a cursor', async () => {
    const { deps } = apiDeps();
    for (let i = 0; i < MAX_SCANNED + 500; i++) await seedDelivery(deps, { subscriptionId: 'sub_noise', status: 'succeeded' }, T0 + i);
    const needle = await seedDelivery(deps, { subscriptionId: 'sub_needle' }, T0 + MAX_SCANNED + 600);
    const list = deps.store.list.bind(deps.store);
    let read = 0;
    deps.store.list = async (prefix, opts) => {
      const page = await list(prefix, opts);
      read += page.items.length;
      return page;
    };
    const first = await call(deps, 'GET', '/deliveries?subscription=sub_needle');
    expect(first.json.items).toEqual([]);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    // MAX_SCANNED records, and one look past the last to tell whether the range goes on.
    expect(read).toBeLessThanOrEqual(MAX_SCANNED + 1);
    const second = await call(deps, 'GET', `/deliveries?subscription=sub_needle&cursor=${first.json.next_cursor}`);
    expect(second.json.items.map((d: { id: string }) => d.id)).toEqual([needle.id]);
    expect(second.json).not.toHaveProperty('next_cursor');
  });

  test('bad query parameters are 400 invalid_query naming the parameter', async () => {
    const { deps } = apiDeps();
    // cancelled: a status no delivery ever takes, refused rather than answered with an empty list.
    for (const [q, parameter] of [['status=done', 'status'], ['status=cancelled', 'status'], ['since=yesterday', 'since'], ['until=1', 'until'], ['subscription=a:b', 'subscription'],
      ['limit=0', 'limit'], ['since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'], [`cursor=${Buffer.from('dlv:globex:msg_1').toString('base64url')}`, 'cursor']]) {
      const res = await call(deps, 'GET', `/deliveries?${q}`);
      expect([q, res.status, res.json.code, res.json.parameter]).toEqual([q, 400, 'invalid_query', parameter]);
    }
  });
});

describe('GET /deliveries/{id} and retry', () => {
  test('the full record with attempts, without the worker lease', async () => {
    const { deps } = apiDeps();
    const d = await seedDelivery(deps, { subscriptionId: 'sub_A' });
    await deps.store.put(keys.delivery('acme', d.id), JSON.stringify({ ...d, lease: { until: T0 + 30_000 } }));
    const res = await call(deps, 'GET', `/deliveries/${d.id}`, { key: KEY.reader });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(d);
    expect(res.json.attempts[0]).toEqual({ n: 1, at: d.createdAt, status: 500, durationMs: 12, responseBody: 'oops', responseHeaders: { 'content-type': 'text/plain' } });
  });

  test('retry: failed and succeeded become pending and due now (202); pending is 409 delivery_pending', async () => {
    const { deps, clock } = apiDeps({ deliveries: { retentionDays: 7 } });
    const sub = await subscribe(deps);
    const failed = await seedDelivery(deps, { subscriptionId: sub });
    const done = await seedDelivery(deps, { subscriptionId: sub, status: 'succeeded', lastError: undefined });
    clock.advance(5 * MIN);
    const now = clock.now();
    for (const d of [failed, done]) {
      const res = await call(deps, 'POST', `/deliveries/${d.id}/retry`);
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ id: d.id, status: 'pending', nextAttemptAt: new Date(now).toISOString(), attempts: d.attempts });
      const due = await deps.store.get(keys.due(now, 'acme', d.id));
      expect(due).toMatchObject({ value: '', expiresAt: now + 7 * 86400_000 });
      expect((await storedDelivery(deps, d.id))).toEqual(res.json);
    }
    const again = await call(deps, 'POST', `/deliveries/${failed.id}/retry`);
    expect([again.status, again.json.code]).toEqual([409, 'delivery_pending']);
    const reader = await call(deps, 'POST', `/deliveries/${failed.id}/retry`, { key: KEY.reader });
    expect([reader.status, reader.json.code]).toEqual([403, 'forbidden_scope']);
  });

  // The attempt log holds what receivers answered and the headers they sent back: for the keys
  // that may read the log. A key that may only resend learns that the resend is scheduled, and when.
  test('retry answers a key without deliveries:read the id, status and next attempt only; with it, the delivery', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscribe(deps);
    const one = await seedDelivery(deps, { subscriptionId: sub });
    const two = await seedDelivery(deps, { subscriptionId: sub }, clock.now() + 1);
    clock.advance(MIN);
    const at = new Date(clock.now()).toISOString();
    const operator = await call(deps, 'POST', `/deliveries/${one.id}/retry`, { key: KEY.operator });
    expect([operator.status, operator.json]).toEqual([202, { id: one.id, status: 'pending', nextAttemptAt: at }]);
    expect(operator.text).not.toContain('oops');
    expect((await call(deps, 'GET', `/deliveries/${one.id}`, { key: KEY.operator })).status).toBe(403);
    const admin = await call(deps, 'POST', `/deliveries/${two.id}/retry`);
    expect([admin.status, admin.json]).toEqual([202, { ...two, status: 'pending', nextAttemptAt: at, updatedAt: at }]);
  });

  test('retry after the engine touched the record meanwhile is made on the fresh version, not lost to a 409', async () => {
    const { deps, clock } = apiDeps();
    const d = await seedDelivery(deps, { subscriptionId: await subscribe(deps) });
    clock.advance(MIN);
    const putAll = deps.store.putAll.bind(deps.store);
    let raced = 0;
    deps.store.putAll = async (writes) => {
      if (raced++ === 0) {
        const key = keys.delivery('acme', d.id);
        const current = JSON.parse((await deps.store.get(key))!.value) as Delivery;
        await deps.store.put(key, JSON.stringify({ ...current, updatedAt: new Date(clock.now()).toISOString() }));
      }
      return putAll(writes);
    };
    const res = await call(deps, 'POST', `/deliveries/${d.id}/retry`);
    expect([res.status, res.json.status, raced]).toEqual([202, 'pending', 2]);
    expect((await storedDelivery(deps, d.id)).status).toBe('pending');
  });

  // On the clouds the sweep runs once a minute: fan-out and retries send a punctual wake-up
  // (a delayed queue message), and a retry asked for by hand must not wait for the sweep either.
  test('retry and recover send a wake-up for the attempt due now', async () => {
    const { deps, clock } = apiDeps();
    const woken: WakeUp[] = [];
    deps.wakeups = { schedule: async (w) => void woken.push(w) };
    const sub = await call(deps, 'POST', '/subscriptions', { body: { url: 'https://hooks.example.com/x' } });
    const one = await seedDelivery(deps, { subscriptionId: sub.json.id });
    const two = await seedDelivery(deps, { subscriptionId: sub.json.id }, clock.now() + 1);
    clock.advance(MIN);
    expect((await call(deps, 'POST', `/deliveries/${one.id}/retry`)).status).toBe(202);
    expect(woken).toEqual([{ at: clock.now(), tenant: 'acme', id: one.id }]);
    clock.advance(MIN);
    expect((await call(deps, 'POST', `/subscriptions/${sub.json.id}/recover`, { body: { since: two.createdAt } })).json).toEqual({ recovered: 1 });
    expect(woken).toEqual([{ at: clock.now() - MIN, tenant: 'acme', id: one.id }, { at: clock.now(), tenant: 'acme', id: two.id }]);
  });

  test('retry and recover for a disabled subscription are 409 subscription_disabled, nothing scheduled; enabled again, they go', async () => {
    const { deps } = apiDeps();
    const sub = await call(deps, 'POST', '/subscriptions', { body: { url: 'https://hooks.example.com/x' } });
    const d = await seedDelivery(deps, { subscriptionId: sub.json.id });
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.json.id}`, { body: { enabled: false } })).status).toBe(200);
    const retry = await call(deps, 'POST', `/deliveries/${d.id}/retry`);
    expect([retry.status, retry.json.code]).toEqual([409, 'subscription_disabled']);
    const recover = await call(deps, 'POST', `/subscriptions/${sub.json.id}/recover`, { body: { since: d.createdAt } });
    expect([recover.status, recover.json.code]).toEqual([409, 'subscription_disabled']);
    expect((await storedDelivery(deps, d.id))).toMatchObject({ status: 'failed', lastError: d.lastError });
    expect((await call(deps, 'PATCH', `/subscriptions/${sub.json.id}`, { body: { enabled: true } })).status).toBe(200);
    expect((await call(deps, 'POST', `/deliveries/${d.id}/retry`)).status).toBe(202);
  });

  // Accepting it would only have the engine end it at once as failed `subscription_deleted`,
  // overwriting the error it failed with: the 202 would promise a send that cannot happen.
  test('retry of a delivery whose subscription was deleted is 409 subscription_deleted: nothing scheduled, the record as it was', async () => {
    const { deps, clock } = apiDeps();
    const woken: WakeUp[] = [];
    deps.wakeups = { schedule: async (w) => void woken.push(w) };
    const sub = await subscribe(deps);
    const failed = await seedDelivery(deps, { subscriptionId: sub });
    const done = await seedDelivery(deps, { subscriptionId: sub, status: 'succeeded', lastError: undefined }, clock.now() + 1);
    expect((await call(deps, 'DELETE', `/subscriptions/${sub}`)).status).toBe(204);
    clock.advance(MIN);
    for (const d of [failed, done]) {
      const res = await call(deps, 'POST', `/deliveries/${d.id}/retry`);
      expect([res.status, res.json.code, res.json.subscriptionId]).toEqual([409, 'subscription_deleted', sub]);
      expect((await storedDelivery(deps, d.id))).toEqual(d);
    }
    expect(await deps.store.list(keys.duePrefix)).toEqual({ items: [] });
    expect(woken).toEqual([]);
    // Its failed deliveries cannot be recovered either: the subscription itself is not found.
    const recover = await call(deps, 'POST', `/subscriptions/${sub}/recover`, { body: { since: failed.createdAt } });
    expect([recover.status, recover.json.code]).toEqual([404, 'subscription_not_found']);
  });

  // The event is kept once for all its deliveries, for the retention from its fan-out; a delivery
  // record is kept for the retention from its last write, so a failed record can outlive its event.
  test('retry of a delivery whose event has outlived its retention is 409 event_expired, the record as it was', async () => {
    const { deps, clock } = apiDeps({ deliveries: { retentionDays: 7 } });
    const sub = await call(deps, 'POST', '/subscriptions', { body: { url: 'https://hooks.example.com/x' } });
    const old = await seedDelivery(deps, { subscriptionId: sub.json.id });
    clock.advance(2 * DAY);
    const recent = await seedDelivery(deps, { subscriptionId: sub.json.id });
    clock.advance(6 * DAY);
    const res = await call(deps, 'POST', `/deliveries/${old.id}/retry`);
    expect([res.status, res.json.code]).toEqual([409, 'event_expired']);
    expect((await storedDelivery(deps, old.id))).toEqual(old);
    expect(await deps.store.list(keys.duePrefix)).toEqual({ items: [] });
    // A resend keeps its event as long as the delivery record, for the attempts it starts.
    expect((await call(deps, 'POST', `/deliveries/${recent.id}/retry`)).status).toBe(202);
    expect(await deps.store.get(keys.event('acme', recent.eventId))).toMatchObject({ expiresAt: clock.now() + 7 * DAY });
  });

  test('ids that are not record ids are 404', async () => {
    const { deps } = apiDeps();
    for (const id of ['msg%3Ax', 'a%2Fb', '%E0%A4%A', 'x'.repeat(129)]) {
      const res = await call(deps, 'GET', `/deliveries/${id}`);
      expect([id, res.status, res.json.code]).toEqual([id, 404, 'delivery_not_found']);
    }
  });
});

describe('the delivery log reads records, not the responses of their attempts', () => {
  const KB = 1024;

  // Every attempt of every delivery answered with 20 KB: the log lists 30 of them, and recover
  // resends them, without reading what the receiver answered; GET of one reads its responses.
  test('a page of 30 failed deliveries of 8 attempts answered with 20 KB each reads a few KB; GET one reads its responses', async () => {
    const e = apiAndEngine({ deliveries: { retry: { schedule: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000], jitter: 0 }, breaker: { failureThreshold: 1000 } } });
    const answer = 'x'.repeat(20 * KB);
    const rx = await receiver(() => ({ status: 500, headers: { 'x-request-id': 'r-1' }, body: answer }));
    try {
      const sub = (await call(e.deps, 'POST', '/subscriptions', { body: { url: rx.url } })).json.id as string;
      const since = new Date(e.clock.now()).toISOString();
      for (let i = 0; i < 30; i++) await e.send(`e${i}`);
      for (let i = 0; i < 8; i++) {
        await sweepDue(e.deps);
        e.clock.advance(1000);
      }
      expect(rx.received).toHaveLength(30 * 8);

      const read = countReads(e.deps.store);
      const page = await call(e.deps, 'GET', '/deliveries?limit=30');
      expect(page.json.items.map((d: { status: string; attempts: number }) => [d.status, d.attempts])).toEqual(Array(30).fill(['failed', 8]));
      expect(page.json).not.toHaveProperty('next_cursor');
      // The 30 records, about 1.5 KB each, where their responses are 30 x 8 x 20 KB.
      expect(read.items).toBe(30);
      // 26 KB here; 4.98 MB when each record held its attempts' responses.
      expect(read.chars).toBeLessThan(64 * KB);

      read.chars = 0;
      expect((await call(e.deps, 'POST', `/subscriptions/${sub}/recover`, { body: { since } })).json).toEqual({ recovered: 30 });
      expect(read.chars).toBeLessThan(64 * KB + 30 * 200); // the records, and each one's event

      read.chars = 0;
      const one = await call(e.deps, 'GET', `/deliveries/${page.json.items[3].id}`, { key: KEY.reader });
      expect(one.json.attempts).toHaveLength(8);
      for (const [i, a] of (one.json.attempts as Array<{ n: number; status: number; responseBody: string; responseHeaders: Record<string, string> }>).entries()) {
        expect([a.n, a.status, a.responseBody.length, a.responseHeaders['x-request-id']]).toEqual([i + 1, 500, 20 * KB, 'r-1']);
      }
      expect(read.chars).toBeGreaterThan(8 * 20 * KB);
    } finally {
      await e.close();
      await rx.close();
    }
  });

  test('records kept with their responses inline (before they were kept apart) are listed, shown, retried and recovered; the next write moves them out', async () => {
    const { deps, clock } = apiDeps();
    const id = await subscribe(deps);
    // Responses larger than a record keeps (small ones stay in it, as they always were).
    const attempts = (at: number) => [{ n: 1, at: new Date(at).toISOString(), status: 500, durationMs: 12, responseBody: 'oops'.padEnd(INLINE_CHARS + 1, '!'), responseHeaders: { 'content-type': 'text/plain' } }];
    const old = await seedDelivery(deps, { subscriptionId: id, attempts: attempts(clock.now()) }, clock.now(), { inline: true });
    const other = await seedDelivery(deps, { subscriptionId: id, attempts: attempts(clock.now() + 1) }, clock.now() + 1, { inline: true });
    expect(JSON.parse((await deps.store.get(keys.delivery('acme', old.id)))!.value).attempts[0].responseBody).toMatch(/^oops!/);
    const list = await call(deps, 'GET', '/deliveries');
    expect(list.json.items.map((d: { id: string; attempts: number }) => [d.id, d.attempts])).toEqual([[old.id, 1], [other.id, 1]]);
    expect(list.text).not.toContain('oops');
    expect((await call(deps, 'GET', `/deliveries/${old.id}`)).json).toEqual(old);

    clock.advance(MIN);
    const retried = await call(deps, 'POST', `/deliveries/${old.id}/retry`);
    expect(retried.json).toMatchObject({ status: 'pending', attempts: old.attempts });
    expect((await call(deps, 'POST', `/subscriptions/${id}/recover`, { body: { since: old.createdAt } })).json).toEqual({ recovered: 1 });
    for (const d of [old, other]) {
      // The record no longer holds the response; the delivery still shows it.
      expect(JSON.parse((await deps.store.get(keys.delivery('acme', d.id)))!.value).attempts).toEqual([{ n: 1, at: d.createdAt, status: 500, durationMs: 12 }]);
      expect((await call(deps, 'GET', `/deliveries/${d.id}`)).json.attempts).toEqual(d.attempts);
    }
  });

  test('records kept with their responses inline are read whole, so a scan stops after MAX_SCANNED_CHARS with a cursor', async () => {
    const { deps } = apiDeps();
    // 60 old records of 8 attempts answered with 20 KB: about 9.4 MiB in all.
    const attempts = Array.from({ length: 8 }, (_, i) => ({ n: i + 1, at: new Date(T0).toISOString(), status: 500, durationMs: 1, responseBody: 'x'.repeat(20 * KB) }));
    for (let i = 0; i < 60; i++) await seedDelivery(deps, { subscriptionId: 'sub_A', attempts }, T0 + i, { inline: true });
    const read = countReads(deps.store);
    const first = await call(deps, 'GET', '/deliveries?subscription=sub_B');
    expect(first.json).toEqual({ items: [], next_cursor: expect.any(String) });
    expect(read.chars).toBeGreaterThanOrEqual(MAX_SCANNED_CHARS);
    // Pages sized to what the budget has left: at most one record past it (and the look past the last).
    expect(read.chars).toBeLessThan(MAX_SCANNED_CHARS + 3 * 8 * 20 * KB);
    const rest = await call(deps, 'GET', `/deliveries?subscription=sub_B&cursor=${first.json.next_cursor}`);
    expect(rest.json).toEqual({ items: [] });
  });
});
