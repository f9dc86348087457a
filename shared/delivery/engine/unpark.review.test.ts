import type { CloudEvent } from '../../events/cloudevent';
import type { BreakerState } from '../breaker';
import { keys, parseDue } from '../keys';
import type { Delivery } from '../model';
import { processDue } from './attempt';
import { admit, recordResult } from './breaker-store';
import { type DeliveryDeps, deliverySettings } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { sweepCache } from './sweep-cache';
import { deliveryEngine, receiver, seedSubscription } from './testkit';
import { resetBreaker, SECOND_LOOK_MS, UNPARK_IN_REQUEST, UNPARK_PER_PASS, unparkTaskId } from './unpark';

/**
 * Deliveries parked by an open breaker, made due now when the breaker is reset (a new URL, the
 * subscription enabled again): the engine parks them (a real sweep against an open breaker), then
 * resetBreaker and the engine's task move them. The API side is tested end to end in
 * functions/api/subscriptions-actions.test.ts.
 */
const event = (id: string): CloudEvent => ({ specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', data: { id } });
const MIN = 60_000;

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** An engine whose subscriptions' breakers are open until `probeAt`, and `n` events fanned out and parked there by a sweep. */
async function parked(n: number, subscriptions = 1) {
  const e = deliveryEngine();
  const rx = await receiver(() => ({ status: 204 }));
  closers.push(e.close, rx.close);
  const subs = [];
  for (let i = 0; i < subscriptions; i++) subs.push((await seedSubscription(e.deps, { url: rx.url })).sub);
  const probeAt = e.clock.now() + 10 * MIN;
  const open: BreakerState = { state: 'open', consecutiveFailures: 5, openedAt: e.clock.now(), probeAt, opens: 4 };
  for (const sub of subs) await e.deps.store.put(keys.breaker('default', sub.id), JSON.stringify(open));
  for (let i = 0; i < n; i++) await fanOut(event(`e${i}`), e.deps);
  expect(await sweepDue(e.deps)).toMatchObject({ deferred: n * subscriptions });
  return { ...e, rx, subs, probeAt, open };
}

async function records(deps: DeliveryDeps): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (let after: string | undefined; ;) {
    const page = await deps.store.list(keys.deliveries('default'), { limit: 1000, after });
    out.push(...page.items.map((i) => JSON.parse(i.value) as Delivery));
    if (!page.next) return out;
    after = page.next;
  }
}
const dueIds = async (deps: DeliveryDeps) => (await deps.store.list(keys.duePrefix, { limit: 1000 })).items.map((i) => parseDue(i.key)!);

test("only the subscription's parked deliveries move: not another's parked at the same instant, one in a retry delay, one a worker holds", async () => {
  const e = await parked(3, 2);
  const [a, b] = [e.subs[0]!, e.subs[1]!];
  const ofA = (await records(e.deps)).filter((d) => d.subscriptionId === a.id);
  // One of A's waits out an ordinary retry delay instead; another is held by a worker right now.
  const later = e.clock.now() + 5 * MIN;
  await e.deps.store.putAll([
    { key: keys.delivery('default', ofA[0]!.id), value: JSON.stringify({ ...ofA[0], nextAttemptAt: new Date(later).toISOString() }) },
    { key: keys.due(e.probeAt, 'default', ofA[0]!.id), delete: true },
    { key: keys.due(later, 'default', ofA[0]!.id), value: '' },
  ]);
  await e.deps.store.put(keys.delivery('default', ofA[1]!.id), JSON.stringify({ ...ofA[1], lease: { until: e.clock.now() + MIN } }));

  expect(await resetBreaker(e.deps, 'default', a.id)).toBe(1);
  const now = new Date(e.clock.now()).toISOString();
  const after = new Map((await records(e.deps)).map((d) => [d.id, d]));
  expect(after.get(ofA[2]!.id)!.nextAttemptAt).toBe(now);
  expect(after.get(ofA[0]!.id)!.nextAttemptAt).toBe(new Date(later).toISOString());
  expect(after.get(ofA[1]!.id)!.nextAttemptAt).toBe(new Date(e.probeAt).toISOString());
  for (const d of after.values()) if (d.subscriptionId === b.id) expect(d.nextAttemptAt).toBe(new Date(e.probeAt).toISOString());
  // A's breaker is closed again, B's kept; the engine's task is due a little later.
  expect(JSON.parse((await e.deps.store.get(keys.breaker('default', a.id)))!.value)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  expect(await e.deps.store.get(keys.breaker('default', b.id))).toBeDefined();
  expect(await dueIds(e.deps)).toContainEqual({ at: e.clock.now() + SECOND_LOOK_MS, tenant: 'default', id: unparkTaskId(a.id, e.probeAt) });
});

test('a sweep that read the open breaker before the reset parks a moved delivery again; the task moves it once more', async () => {
  const e = await parked(1);
  const sub = e.subs[0]!;
  // A sweep running at the time, which read the breaker (open) just before the reset.
  const running = sweepCache(e.deps);
  running.setBreaker('default', sub.id, { state: e.open });
  expect(await resetBreaker(e.deps, 'default', sub.id)).toBe(1);
  const [moved] = await dueIds(e.deps);
  expect(await processDue(e.deps, moved!, running)).toBe('deferred');
  expect((await records(e.deps))[0]!.nextAttemptAt).toBe(new Date(e.probeAt).toISOString());

  e.clock.advance(SECOND_LOOK_MS);
  expect(await sweepDue(e.deps)).toMatchObject({ deferred: 1 }); // the task
  expect(await sweepDue(e.deps)).toMatchObject({ succeeded: 1 });
  expect(e.rx.received).toHaveLength(1);
  expect(await dueIds(e.deps)).toEqual([]);
});

test('the task moves UNPARK_PER_PASS a pass, due again at once from where it stopped, and ends when none are left', async () => {
  const count = UNPARK_IN_REQUEST + UNPARK_PER_PASS + 10;
  const e = await parked(count);
  const sub = e.subs[0]!;
  expect(await resetBreaker(e.deps, 'default', sub.id)).toBe(UNPARK_IN_REQUEST);
  e.clock.advance(SECOND_LOOK_MS);
  const parkedAt = new Date(e.probeAt).toISOString();
  const stillParked = async () => (await records(e.deps)).filter((d) => d.nextAttemptAt === parkedAt).length;
  const task = async () => (await dueIds(e.deps)).find((d) => d.id.startsWith('unpark:'));

  expect(await processDue(e.deps, (await task())!)).toBe('deferred');
  expect(await stillParked()).toBe(10);
  const again = (await task())!;
  expect(again).toEqual({ at: e.clock.now(), tenant: 'default', id: unparkTaskId(sub.id, e.probeAt) });
  expect(JSON.parse((await e.deps.store.get(keys.due(again.at, again.tenant, again.id)))!.value)).toEqual({ after: expect.stringMatching(/^due:/) });
  expect(await processDue(e.deps, again)).toBe('deferred');
  expect(await stillParked()).toBe(0);
  expect(await task()).toBeUndefined();
});

test('a task entry that names no subscription and instant is dropped', async () => {
  const e = deliveryEngine();
  closers.push(e.close);
  const at = e.clock.now();
  await e.deps.store.put(keys.due(at, 'default', 'unpark:nonsense'), '{}');
  expect(await processDue(e.deps, { at, tenant: 'default', id: 'unpark:nonsense' })).toBe('stale');
  expect(await dueIds(e.deps)).toEqual([]);
});

/**
 * Another worker changes the breaker between the reset's read and its write (the reset writes the
 * engine's tasks and sends their wake-ups in between). `raceOnRead` runs that worker's change
 * right after the reset has read the breaker, on the store as it is.
 */
function raceOnRead(deps: DeliveryDeps, subscriptionId: string, change: () => Promise<void>): DeliveryDeps {
  const key = keys.breaker('default', subscriptionId);
  let raced = false;
  const store = {
    ...deps.store,
    async get(k: string) {
      const item = await deps.store.get(k);
      if (k === key && !raced) {
        raced = true;
        await change();
      }
      return item;
    },
  };
  return { ...deps, store };
}

test('a probe admitted while the reset is under way counts for nothing against the new endpoint', async () => {
  const e = deliveryEngine();
  closers.push(e.close);
  const { sub } = await seedSubscription(e.deps, { url: 'https://old.example/hook' });
  const { breaker } = deliverySettings(e.deps);
  const open: BreakerState = { state: 'open', consecutiveFailures: 5, openedAt: e.clock.now() - MIN, probeAt: e.clock.now(), opens: 1, generation: 1 };
  await e.deps.store.put(keys.breaker('default', sub.id), JSON.stringify(open));
  // The probe to the old endpoint goes just after the reset read the breaker open.
  let probe = -1;
  const racing = raceOnRead(e.deps, sub.id, async () => {
    const gate = await admit(e.deps, 'default', sub.id, breaker);
    if (gate.allow) probe = gate.generation;
  });
  await resetBreaker(racing, 'default', sub.id);
  expect(probe).toBeGreaterThanOrEqual(0);
  // The old endpoint's answer to it is a late outcome: the new endpoint's breaker counts no failure.
  await recordResult(e.deps, 'default', sub.id, false, probe, breaker);
  expect(JSON.parse((await e.deps.store.get(keys.breaker('default', sub.id)))!.value)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
});

test('deliveries parked at a probe time set while the reset is under way are made due too', async () => {
  const e = deliveryEngine();
  const rx = await receiver(() => ({ status: 204 }));
  closers.push(e.close, rx.close);
  const { sub } = await seedSubscription(e.deps, { url: rx.url });
  const { breaker } = deliverySettings(e.deps);
  // The third probe is in flight, 30 s in: the deliveries it holds back wait for its grace.
  const probing: BreakerState = { state: 'half-open', consecutiveFailures: 7, openedAt: e.clock.now() - 5 * MIN, probeStartedAt: e.clock.now() - 30_000, opens: 3, generation: 6 };
  await e.deps.store.put(keys.breaker('default', sub.id), JSON.stringify(probing));
  // Just after the reset read it, the probe fails (open for 8 min) and a sweep parks a new delivery there.
  const racing = raceOnRead(e.deps, sub.id, async () => {
    expect(await recordResult(e.deps, 'default', sub.id, false, 6, breaker)).toEqual(['breaker.opened']);
    await fanOut(event('late'), e.deps);
    expect(await sweepDue(e.deps)).toMatchObject({ deferred: 1 });
  });
  expect(await resetBreaker(racing, 'default', sub.id)).toBe(1);
  expect((await records(e.deps))[0]!.nextAttemptAt).toBe(new Date(e.clock.now()).toISOString());
  expect(await sweepDue(e.deps)).toMatchObject({ succeeded: 1 });
  expect(rx.received).toHaveLength(1);
});
