import { Webhook } from 'standardwebhooks';
import { keys } from '../../shared/delivery/keys';
import { type Delivery, signingSecrets, type Subscription } from '../../shared/delivery/model';
import type { DeliveryDeps } from '../../shared/delivery/engine/deps';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { SECOND_LOOK_MS, UNPARK_IN_REQUEST } from '../../shared/delivery/engine/unpark';
import { sweepDue } from '../../shared/delivery/engine/sweep';
import { receiver } from '../../shared/delivery/engine/testkit';
import { MAX_RECOVER_CHARS, MAX_RECOVER_RESENDS, RECOVER_BUDGET_MS } from './subscriptions-actions';
import { apiAndEngine, apiDeps, call, countReads, KEY, seedDelivery, storedDelivery } from './testkit';

type Deps = ReturnType<typeof apiDeps>['deps'];
const DAY = 86_400_000;
const MIN = 60_000;

async function subscription(deps: Deps, url = 'https://hooks.example.com/x', key: string = KEY.acme) {
  return (await call(deps, 'POST', '/subscriptions', { key, body: { url } })).json as { id: string; secret: string };
}
async function storedSub(deps: Deps, id: string) {
  return JSON.parse((await deps.store.get(keys.subscription('acme', id)))!.value) as Subscription;
}

describe('POST /subscriptions/{id}/rotate-secret', () => {
  test('a new secret; the old one keeps signing for the 24 h overlap, then only the new one', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    clock.advance(MIN);
    const now = clock.now();
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: new Date(now + DAY).toISOString() });
    expect(res.json.secret).not.toBe(sub.secret);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { secrets } = await storedSub(deps, sub.id);
    expect(secrets).toHaveLength(2);
    const open = (sealed: string) => deps.sealer.open(sealed, { tenant: 'acme', subscription: sub.id });
    expect(await Promise.all(signingSecrets(secrets, now).map(open))).toEqual([res.json.secret, sub.secret]);
    expect(await Promise.all(signingSecrets(secrets, now + DAY).map(open))).toEqual([res.json.secret]);
    expect(JSON.stringify(secrets)).not.toContain(res.json.secret.slice(6));
    expect((await call(deps, 'GET', `/subscriptions/${sub.id}`)).text).not.toContain('whsec_');
  });

  test('overlapSeconds: 0 retires the old secret at once; beyond 7 days or unknown fields are 422', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body: { overlapSeconds: 0 } });
    expect(res.json.previousSecretExpiresAt).toBe(new Date(clock.now()).toISOString());
    expect((await storedSub(deps, sub.id)).secrets).toHaveLength(1);
    const week = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body: { overlapSeconds: 7 * 86400 } });
    expect(week.json.previousSecretExpiresAt).toBe(new Date(clock.now() + 7 * DAY).toISOString());
    for (const body of [{ overlapSeconds: 7 * 86400 + 1 }, { overlapSeconds: -1 }, { overlapSeconds: 'long' }, { overlap: 5 }]) {
      const bad = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body });
      expect([bad.status, bad.json.code]).toEqual([422, 'invalid_request']);
    }
  });
  test('previousSecretExpiresAt is when the last previous secret stops signing, the latest of their expiries', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body: { overlapSeconds: 86400 } });
    clock.advance(60 * MIN);
    // Now two previous secrets: the first (23 h left) and the one just replaced (7 days).
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body: { overlapSeconds: 7 * 86400 } });
    expect(res.json.previousSecretExpiresAt).toBe(new Date(clock.now() + 7 * DAY).toISOString());
    const { secrets } = await storedSub(deps, sub.id);
    expect(secrets.map((s) => s.expiresAt)).toEqual([undefined, new Date(clock.now() + 7 * DAY).toISOString(), new Date(clock.now() + 23 * 60 * MIN).toISOString()]);
  });

  test('a rotation that would drop a secret still within its announced overlap is 409 too_many_secrets, stored secrets unchanged', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const answered: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(MIN);
      const ok = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`);
      expect(ok.status).toBe(200);
      answered.push(ok.json.previousSecretExpiresAt);
    }
    const before = await storedSub(deps, sub.id);
    expect(before.secrets).toHaveLength(5);
    clock.advance(MIN);
    const refused = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`);
    // The first rotation said the original secret signs until answered[0]: it still does.
    expect([refused.status, refused.json.code, refused.json.oldestSecretExpiresAt, refused.json.maxSecrets]).toEqual([409, 'too_many_secrets', answered[0], 5]);
    expect(refused.json.detail).toContain(`from ${answered[0]}`);
    expect(refused.json.detail).toContain('overlapSeconds 0');
    expect(refused.text).not.toContain('whsec_');
    expect(await storedSub(deps, sub.id)).toEqual(before);
    const open = (sealed: string) => deps.sealer.open(sealed, { tenant: 'acme', subscription: sub.id });
    expect(await open(signingSecrets(before.secrets, clock.now()).at(-1)!)).toBe(sub.secret);
    // overlapSeconds 0 retires them all and is always taken; so is a rotation once the oldest expired.
    const reset = await call(deps, 'POST', `/subscriptions/${sub.id}/rotate-secret`, { body: { overlapSeconds: 0 } });
    expect(reset.status).toBe(200);
    expect((await storedSub(deps, sub.id)).secrets).toHaveLength(1);
  });
});

describe('POST /subscriptions/{id}/recover', () => {
  test('failed deliveries of the subscription created in [since, until] become pending and due now, attempts kept', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now();
    const at = (m: number) => t0 + m * MIN;
    const before = await seedDelivery(deps, { subscriptionId: sub.id }, at(0));
    const inA = await seedDelivery(deps, { subscriptionId: sub.id }, at(10));
    const inB = await seedDelivery(deps, { subscriptionId: sub.id }, at(20));
    const ok = await seedDelivery(deps, { subscriptionId: sub.id, status: 'succeeded' }, at(15));
    const other = await seedDelivery(deps, { subscriptionId: 'sub_other' }, at(15));
    const after = await seedDelivery(deps, { subscriptionId: sub.id }, at(21));
    clock.set(at(60));
    const now = clock.now();
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, {
      body: { since: new Date(at(10)).toISOString(), until: new Date(at(20)).toISOString() },
    });
    expect([res.status, res.json]).toEqual([202, { recovered: 2 }]);
    for (const d of [inA, inB]) {
      expect(await storedDelivery(deps, d.id)).toEqual({ ...d, status: 'pending', nextAttemptAt: new Date(now).toISOString(), updatedAt: new Date(now).toISOString() });
      expect(await deps.store.get(keys.due(now, 'acme', d.id))).toMatchObject({ value: '', expiresAt: now + 30 * DAY });
    }
    for (const d of [before, ok, other, after]) expect(await storedDelivery(deps, d.id)).toEqual(d);
    // Without until: everything failed since `since`, up to now; the recovered ones are pending now.
    const rest = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(at(0)).toISOString() } });
    expect(rest.json).toEqual({ recovered: 2 });
    expect((await storedDelivery(deps, before.id)).status).toBe('pending');
  });

  test('a failed delivery whose event has outlived its retention is left as it is and counted as expired', async () => {
    const { deps, clock } = apiDeps({ deliveries: { retentionDays: 7 } });
    const sub = await subscription(deps);
    const old = await seedDelivery(deps, { subscriptionId: sub.id });
    clock.advance(2 * DAY);
    const recent = await seedDelivery(deps, { subscriptionId: sub.id });
    clock.advance(6 * DAY);
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: old.createdAt } });
    expect([res.status, res.json]).toEqual([202, { recovered: 1, expired: 1 }]);
    expect(await storedDelivery(deps, old.id)).toEqual(old);
    expect((await storedDelivery(deps, recent.id)).status).toBe('pending');
  });

  test('since equal to until is a one-millisecond window: the failed delivery created at that instant is recovered', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const at = clock.now() + 10 * MIN;
    const d = await seedDelivery(deps, { subscriptionId: sub.id }, at);
    await seedDelivery(deps, { subscriptionId: sub.id }, at + 1);
    clock.advance(60 * MIN);
    const iso = new Date(at).toISOString();
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: iso, until: iso } });
    expect([res.status, res.json]).toEqual([202, { recovered: 1 }]);
    expect((await storedDelivery(deps, d.id)).status).toBe('pending');
  });

  test('a record the engine finishes meanwhile is re-read and left alone; one only touched is still recovered', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const finished = await seedDelivery(deps, { subscriptionId: sub.id }, clock.now() + MIN);
    const touched = await seedDelivery(deps, { subscriptionId: sub.id }, clock.now() + 2 * MIN);
    clock.advance(10 * MIN);
    const putAll = deps.store.putAll.bind(deps.store);
    const raced = new Set<string>();
    // Between the scan's read and the conditional write, the engine rewrites the record once.
    deps.store.putAll = async (writes) => {
      const key = writes[0]!.key;
      if (!raced.has(key)) {
        raced.add(key);
        const current = JSON.parse((await deps.store.get(key))!.value) as Delivery;
        const engine = current.id === finished.id ? { ...current, status: 'succeeded' as const, lastError: undefined } : { ...current, updatedAt: new Date(clock.now()).toISOString() };
        await deps.store.put(key, JSON.stringify(engine));
      }
      return putAll(writes);
    };
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: finished.createdAt } });
    expect(res.json).toEqual({ recovered: 1 });
    expect(raced.size).toBe(2);
    expect((await storedDelivery(deps, finished.id)).status).toBe('succeeded');
    expect((await storedDelivery(deps, touched.id)).status).toBe('pending');
  });

  test('a window of more than 20,000 deliveries stops there with complete: false and resumeAfter; resuming finishes it', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    // 20,000 records of another subscription, then a failed one of this subscription: the 20,001st.
    for (let i = 0; i < 20_000; i++) await seedDelivery(deps, { subscriptionId: 'sub_noise' }, t0 + i);
    const needle = await seedDelivery(deps, { subscriptionId: sub.id }, t0 + 20_000);
    clock.advance(DAY);
    const first = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString() } });
    expect([first.status, first.json]).toEqual([202, { recovered: 0, complete: false, resumeAfter: expect.any(String), resumeSince: new Date(t0 + 19_999).toISOString() }]);
    expect((await storedDelivery(deps, needle.id)).status).toBe('failed');
    const read = countReads(deps.store);
    const resumed = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString(), resumeAfter: first.json.resumeAfter } });
    expect(read.items).toBeLessThanOrEqual(2);
    expect([resumed.status, resumed.json]).toEqual([202, { recovered: 1 }]);
    expect((await storedDelivery(deps, needle.id)).status).toBe('pending');
  });

  // The README promises `complete: false` only for a window holding over 20,000 deliveries: a scan
  // that stops on its 20,000th record looks whether the next key is still in the window.
  test('a window of exactly 20,000 deliveries is complete, whatever follows it', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    for (let i = 0; i < 20_000; i++) await seedDelivery(deps, { subscriptionId: 'sub_noise' }, t0 + i);
    await seedDelivery(deps, { subscriptionId: 'sub_noise' }, t0 + 30_000);
    clock.advance(DAY);
    const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString(), until: new Date(t0 + 19_999).toISOString() } });
    expect([res.status, res.json]).toEqual([202, { recovered: 0 }]);
  });

  test('records kept with their responses inline are read whole: a request stops after MAX_RECOVER_CHARS with resumeAfter; resuming finishes', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    // 220 records of 8 attempts answered with 20 KB, as versions before kept them: about 35 MiB.
    const attempts = Array.from({ length: 8 }, (_, i) => ({ n: i + 1, at: new Date(t0).toISOString(), status: 500, durationMs: 1, responseBody: 'x'.repeat(20 * 1024) }));
    const seeded: Delivery[] = [];
    for (let i = 0; i < 220; i++) seeded.push(await seedDelivery(deps, { subscriptionId: sub.id, attempts }, t0 + i, { inline: true }));
    clock.advance(DAY);
    const read = countReads(deps.store);
    const first = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString() } });
    expect(first.json).toMatchObject({ complete: false, resumeAfter: expect.any(String), resumeSince: expect.any(String) });
    expect(read.chars).toBeLessThan(MAX_RECOVER_CHARS + 2 * 8 * 20 * 1024 + first.json.recovered * 1024);
    const resumed = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString(), resumeAfter: first.json.resumeAfter } });
    expect(resumed.json).toEqual({ recovered: 220 - first.json.recovered });
    for (const d of [seeded[0]!, seeded.at(-1)!]) expect((await storedDelivery(deps, d.id))).toMatchObject({ status: 'pending', attempts });
  });

  // API Gateway answers 504 after 29 s (and the API function has 10): a request stops resending
  // at a bound and says where to go on from, rather than being cut off by the platform mid-way.
  test('one request resends at most MAX_RECOVER_RESENDS deliveries, then answers complete: false; resuming by resumeSince (as before resumeAfter) finishes', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    const seeded: Delivery[] = [];
    for (let i = 0; i <= MAX_RECOVER_RESENDS; i++) seeded.push(await seedDelivery(deps, { subscriptionId: sub.id }, t0 + i));
    clock.advance(DAY);
    const first = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString() } });
    const last = seeded[MAX_RECOVER_RESENDS - 1]!;
    expect([first.status, first.json]).toEqual([202, { recovered: MAX_RECOVER_RESENDS, complete: false, resumeAfter: expect.any(String), resumeSince: last.createdAt }]);
    expect((await storedDelivery(deps, seeded.at(-1)!.id)).status).toBe('failed');
    const resumed = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: first.json.resumeSince } });
    expect([resumed.status, resumed.json]).toEqual([202, { recovered: 1 }]);
    expect((await storedDelivery(deps, seeded.at(-1)!.id)).status).toBe('pending');
  });

  test('one request stops resending once RECOVER_BUDGET_MS have passed on its clock; resuming goes on from there', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    const seeded: Delivery[] = [];
    for (let i = 0; i < 5; i++) seeded.push(await seedDelivery(deps, { subscriptionId: sub.id }, t0 + i * MIN));
    clock.advance(DAY);
    // A slow store: every resend (one atomic write) takes 40 % of the budget.
    const putAll = deps.store.putAll.bind(deps.store);
    deps.store.putAll = async (writes) => {
      clock.advance(RECOVER_BUDGET_MS * 0.4);
      return putAll(writes);
    };
    const first = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString() } });
    expect([first.status, first.json]).toEqual([202, { recovered: 3, complete: false, resumeAfter: expect.any(String), resumeSince: seeded[2]!.createdAt }]);
    expect((await Promise.all(seeded.map((d) => storedDelivery(deps, d.id)))).map((d) => d.status)).toEqual(['pending', 'pending', 'pending', 'failed', 'failed']);
    const resumed = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: new Date(t0).toISOString(), resumeAfter: first.json.resumeAfter } });
    expect([resumed.status, resumed.json]).toEqual([202, { recovered: 2 }]);
  });

  /**
   * Follows a recover to its end as a client does (resumeAfter when the answer has one, else
   * resumeSince as the next since), at most `rounds` requests; the answers in order.
   */
  async function recoverAll(deps: Deps, id: string, since: string, rounds: number) {
    const answers: Array<Record<string, unknown>> = [];
    let body: Record<string, unknown> = { since };
    for (let i = 0; i < rounds; i++) {
      const res = await call(deps, 'POST', `/subscriptions/${id}/recover`, { body });
      expect(res.status).toBe(202);
      answers.push(res.json);
      if (res.json.complete === undefined) break;
      body = res.json.resumeAfter !== undefined ? { since, resumeAfter: res.json.resumeAfter } : { since: res.json.resumeSince };
    }
    return answers;
  }

  // A millisecond holding more records than one request reads: a time to resume from names the
  // same millisecond again, and every request would read the same records and stop there.
  test('more records of one millisecond than a request reads (old-layout records, MAX_RECOVER_CHARS): resuming goes past them, each recovered once', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    const attempts = Array.from({ length: 8 }, (_, i) => ({ n: i + 1, at: new Date(t0).toISOString(), status: 500, durationMs: 1, responseBody: 'x'.repeat(20 * 1024) }));
    // 220 records of another subscription as versions before kept them (about 35 MiB), and failed ones of this one, all in t0.
    for (let i = 0; i < 220; i++) await seedDelivery(deps, { subscriptionId: 'sub_noise', attempts }, t0, { inline: true });
    const mine: Delivery[] = [];
    for (let i = 0; i < 20; i++) mine.push(await seedDelivery(deps, { subscriptionId: sub.id }, t0));
    mine.push(await seedDelivery(deps, { subscriptionId: sub.id }, t0 + 1));
    clock.advance(DAY);
    const answers = await recoverAll(deps, sub.id, new Date(t0).toISOString(), 5);
    expect(answers.at(-1)).not.toHaveProperty('complete');
    expect(answers.length).toBeGreaterThan(1);
    expect(answers.slice(0, -1).every((a) => a.complete === false && a.resumeSince === new Date(t0).toISOString())).toBe(true);
    expect(answers.reduce((n, a) => n + (a.recovered as number), 0)).toBe(mine.length);
    for (const d of mine) expect(await storedDelivery(deps, d.id)).toMatchObject({ status: 'pending', attempts: d.attempts });
  });

  test('more than 20,000 records of one millisecond: resuming goes past them and recovers the failed one among them', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const t0 = clock.now() + MIN;
    for (let i = 0; i < 20_100; i++) await seedDelivery(deps, { subscriptionId: 'sub_noise', status: 'succeeded' }, t0);
    const needle = await seedDelivery(deps, { subscriptionId: sub.id }, t0);
    clock.advance(DAY);
    const answers = await recoverAll(deps, sub.id, new Date(t0).toISOString(), 4);
    expect(answers.at(-1)).not.toHaveProperty('complete');
    expect(answers.reduce((n, a) => n + (a.recovered as number), 0)).toBe(1);
    expect((await storedDelivery(deps, needle.id)).status).toBe('pending');
  });

  // resumeAfter names a store key: one not made for this tenant's log and this subscription is refused, not followed.
  test('resumeAfter is only accepted for the subscription it was returned for; a malformed or crafted one is 400 invalid_cursor', async () => {
    const { deps, clock } = apiDeps();
    const sub = await subscription(deps);
    const other = await subscription(deps);
    const t0 = clock.now() + MIN;
    for (let i = 0; i < 3; i++) await seedDelivery(deps, { subscriptionId: sub.id }, t0 + i);
    clock.advance(DAY);
    const putAll = deps.store.putAll.bind(deps.store);
    deps.store.putAll = async (writes) => {
      clock.advance(RECOVER_BUDGET_MS); // a slow store: one resend spends the budget
      return putAll(writes);
    };
    const since = new Date(t0).toISOString();
    const first = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since } });
    expect(first.json).toMatchObject({ recovered: 1, complete: false });
    const cursor = first.json.resumeAfter as string;
    const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
    const forged = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const refused = [
      { id: other.id, resumeAfter: cursor },
      { id: sub.id, resumeAfter: 'not a cursor!' },
      { id: sub.id, resumeAfter: '' },
      { id: sub.id, resumeAfter: forged(decoded.replace(':acme:', ':globex:')) },
      { id: sub.id, resumeAfter: forged(`${sub.id}/${keys.deliveries('acme')}`) },
      { id: sub.id, resumeAfter: forged(`${sub.id}/${keys.subscription('acme', other.id)}`) },
      { id: sub.id, resumeAfter: forged(`${decoded}:x`) },
    ];
    for (const { id, resumeAfter } of refused) {
      const res = await call(deps, 'POST', `/subscriptions/${id}/recover`, { body: { since, resumeAfter } });
      expect([resumeAfter, res.status, res.json.code]).toEqual([resumeAfter, 400, 'invalid_cursor']);
    }
    const notString = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since, resumeAfter: 7 } });
    expect([notString.status, notString.json.code]).toEqual([422, 'invalid_request']);
    deps.store.putAll = putAll;
    const resumed = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since, until: new Date(t0 + 2).toISOString(), resumeAfter: cursor } });
    expect(resumed.json).toEqual({ recovered: 2 });
  });

  test('the body is checked: since required, ISO 8601, until not before since, no unknown fields', async () => {
    const { deps } = apiDeps();
    const sub = await subscription(deps);
    for (const body of [{}, { since: 'yesterday' }, { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, { since: '2026-01-01T00:00:00Z', status: 'failed' }]) {
      const res = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body });
      expect([res.status, res.json.code]).toEqual([422, 'invalid_request']);
    }
    const writer = await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { key: KEY.reader, body: { since: '2026-01-01T00:00:00Z' } });
    expect(writer.status).toBe(403);
  });
});

describe('end to end with the delivery engine', () => {
  test('a recovered and a retried delivery are sent again, signed with the secret from the 201, same webhook-id', async () => {
    const { deps, clock, close } = apiAndEngine();
    const rx = await receiver(() => ({ status: 204 }));
    try {
      const sub = await subscription(deps, rx.url);
      const event = { specversion: '1.0' as const, id: 'e2e-1', source: 'ci', type: 'secorch.finding.created', tenant: 'acme', origin: 'api:acme-admin', data: { a: 1 } };
      const [delivery] = (await fanOut(event, deps)).created;
      // As the engine leaves it after its retries ran out.
      const failed: Delivery = { ...delivery!, status: 'failed', attempts: [{ n: 1, at: delivery!.createdAt, status: 503, durationMs: 3 }], lastError: 'HTTP 503' };
      delete failed.nextAttemptAt;
      await deps.store.put(keys.delivery('acme', failed.id), JSON.stringify(failed));
      await deps.store.delete(keys.due(clock.now(), 'acme', failed.id));
      clock.advance(1000);
      expect((await call(deps, 'POST', `/subscriptions/${sub.id}/recover`, { body: { since: failed.createdAt } })).json).toEqual({ recovered: 1 });
      expect(await sweepDue(deps)).toMatchObject({ succeeded: 1 });
      clock.advance(1000);
      expect((await call(deps, 'POST', `/deliveries/${failed.id}/retry`)).status).toBe(202);
      expect(await sweepDue(deps)).toMatchObject({ succeeded: 1 });
      expect(rx.received).toHaveLength(2);
      const wh = new Webhook(sub.secret);
      for (const r of rx.received) {
        expect(r.headers['webhook-id']).toBe(failed.id);
        expect(wh.verify(r.body, r.headers as Record<string, string>)).toMatchObject({ id: 'e2e-1' });
      }
      const final = await call(deps, 'GET', `/deliveries/${failed.id}`);
      expect(final.json).toMatchObject({ status: 'succeeded', attempts: [{ n: 1 }, { n: 2, status: 204 }, { n: 3, status: 204 }] });
    } finally {
      await close();
      await rx.close();
    }
  });

  const pendingTimes = async (deps: DeliveryDeps) =>
    new Set(((await call(deps, 'GET', '/deliveries?status=pending&limit=100')).json.items as Delivery[]).map((d) => d.nextAttemptAt));

  test('a new URL makes the deliveries the open breaker parked due now: the next sweep sends them to it', async () => {
    const e = apiAndEngine({ deliveries: { breaker: { failureThreshold: 2 } } });
    const down = await receiver(() => ({ status: 500 }));
    const fixed = await receiver(() => ({ status: 204 }));
    try {
      const sub = await subscription(e.deps, down.url);
      await e.send('a');
      await e.send('b');
      const opened = e.clock.now();
      expect(await sweepDue(e.deps, { concurrency: 1 })).toMatchObject({ retrying: 2 }); // the breaker opens
      for (const id of ['c', 'd', 'e']) await e.send(id);
      e.clock.advance(10_000); // a and b are due again
      expect(await sweepDue(e.deps)).toMatchObject({ deferred: 5 });
      // Every one waits for the probe time, a minute after the breaker opened.
      expect(await pendingTimes(e.deps)).toEqual(new Set([new Date(opened + MIN).toISOString()]));

      expect((await call(e.deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { url: fixed.url } })).status).toBe(200);
      expect(await sweepDue(e.deps)).toMatchObject({ succeeded: 5, deferred: 0 });
      expect(fixed.received.map((r) => JSON.parse(r.body).id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(down.received).toHaveLength(2);
      // The engine's second look finds nothing left, and leaves nothing in the due index.
      e.clock.advance(SECOND_LOOK_MS);
      expect(await sweepDue(e.deps)).toMatchObject({ stale: 1, succeeded: 0 });
      expect((await e.deps.store.list(keys.duePrefix)).items).toEqual([]);
    } finally {
      await e.close();
      await down.close();
      await fixed.close();
    }
  });

  test('re-enabling moves the first UNPARK_IN_REQUEST parked deliveries in the request; the engine moves the rest', async () => {
    const e = apiAndEngine({ deliveries: { breaker: { failureThreshold: 1 } } });
    let up = false;
    const rx = await receiver(() => ({ status: up ? 204 : 503 }));
    const count = UNPARK_IN_REQUEST + 10;
    try {
      const sub = await subscription(e.deps, rx.url);
      await e.send('e0');
      expect(await sweepDue(e.deps)).toMatchObject({ retrying: 1 }); // the breaker opens
      for (let i = 1; i < count; i++) await e.send(`e${i}`);
      e.clock.advance(10_000);
      expect(await sweepDue(e.deps)).toMatchObject({ deferred: count });
      expect((await call(e.deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: false } })).status).toBe(200);
      up = true; // the endpoint is fixed where it is, and the subscription enabled again
      expect((await call(e.deps, 'PATCH', `/subscriptions/${sub.id}`, { body: { enabled: true } })).status).toBe(200);
      expect(await sweepDue(e.deps)).toMatchObject({ succeeded: UNPARK_IN_REQUEST });
      e.clock.advance(SECOND_LOOK_MS);
      await sweepDue(e.deps); // the task moves the rest, and this sweep or the next sends them
      await sweepDue(e.deps);
      expect(rx.received).toHaveLength(count + 1);
      expect((await call(e.deps, 'GET', '/deliveries?status=succeeded&limit=100')).json.items).toHaveLength(count);
      expect((await e.deps.store.list(keys.duePrefix)).items).toEqual([]);
    } finally {
      await e.close();
      await rx.close();
    }
  });
});
