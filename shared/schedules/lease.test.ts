import { testDeps } from '../../test/deps';
import type { Sleep } from '../connectors/types';
import { configSchema } from '../config';
import type { CloudEvent } from '../events/cloudevent';
import { jsonLogger } from '../log/json-logger';
import { scheduleKeys } from './claim';
import { runSchedule } from './run';

const T0 = Date.parse('2026-05-01T09:00:00Z');
const MINUTE = 60_000;
const LEASE_MS = 5 * MINUTE;

/** A timer that fires only when the test says so (fire()), so no test waits on a real one. */
function manualSleep() {
  const pending = new Set<() => void>();
  const sleep: Sleep = (_ms, signal) => new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    pending.add(resolve);
    signal?.addEventListener('abort', () => {
      pending.delete(resolve);
      reject(signal.reason);
    }, { once: true });
  });
  const fire = () => {
    const due = [...pending];
    pending.clear();
    due.forEach((r) => r());
  };
  return { sleep, fire, waiting: () => pending.size };
}

/** Polls (no fixed sleep) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

/**
 * An every-minute emit schedule whose first publish hangs until release() (a vendor answering
 * slowly); later publishes go through at once.
 */
function setup() {
  const t = testDeps({}, {}, T0);
  const schedule = configSchema.parse({ schedules: { beat: { everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } } } }).schedules.beat!;
  const published: CloudEvent[] = [];
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  t.deps.bus.publish = async (event) => {
    published.push(event);
    if (published.length === 1) await slow;
  };
  const timer = manualSleep();
  const logged: string[] = [];
  t.deps.logger = jsonLogger({ clock: t.clock, write: (l) => logged.push((JSON.parse(l) as { msg: string }).msg) });
  const run = (at = t.clock.now()) => runSchedule('beat', schedule, at, at + 45_000, t.deps, { leaseMs: LEASE_MS, sleep: timer.sleep });
  const claim = async () => JSON.parse((await t.deps.store.get(scheduleKeys.claim('beat')))!.value) as { due: number; until?: number };
  return { ...t, published, release, timer, run, claim, logged };
}

test('a run still going when its next due time comes is not started again beside it; the first tick after it ends runs once for what it held back', async () => {
  const { run, published, release, clock } = setup();
  const first = run();
  await until(() => published.length === 1);
  clock.set(T0 + MINUTE);
  await expect(run()).resolves.toEqual({ status: 'busy', due: '2026-05-01T09:01:00.000Z', running: '2026-05-01T09:00:00.000Z' });
  clock.set(T0 + 2 * MINUTE);
  await expect(run()).resolves.toMatchObject({ status: 'busy', due: '2026-05-01T09:02:00.000Z' });
  expect(published).toHaveLength(1);
  release();
  await expect(first).resolves.toMatchObject({ status: 'ran', ok: true, due: '2026-05-01T09:00:00.000Z' });
  // Released when it ended: the next tick need not wait for the lease to lapse.
  clock.set(T0 + 2 * MINUTE + 30_000);
  await expect(run()).resolves.toMatchObject({ status: 'ran', ok: true, due: '2026-05-01T09:02:00.000Z', missedSince: '2026-05-01T09:01:00.000Z' });
  expect(published.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-01T09:02:00.000Z']);
});

test('a long run renews its lease, so it is not joined once the first lease would have lapsed', async () => {
  const { run, published, release, clock, timer, claim } = setup();
  const first = run();
  await until(() => published.length === 1 && timer.waiting() === 1);
  expect(await claim()).toEqual(expect.objectContaining({ due: T0, until: T0 + LEASE_MS }));
  clock.set(T0 + LEASE_MS / 4);
  timer.fire();
  await until(async () => (await claim()).until === T0 + LEASE_MS / 4 + LEASE_MS);
  clock.set(T0 + LEASE_MS + MINUTE / 2);
  await expect(run()).resolves.toMatchObject({ status: 'busy', running: '2026-05-01T09:00:00.000Z' });
  expect(published).toHaveLength(1);
  release();
  await first;
  // Renewals end with the run, and the release leaves no lease behind.
  expect(timer.waiting()).toBe(0);
  expect(await claim()).toEqual({ due: T0, claimedAt: T0, timing: 'every:60' });
});

test('a run whose instance died holds the schedule only until its lease lapses', async () => {
  const { run, published, clock } = setup();
  void run(); // never released, never renewed: as if its instance had been stopped
  await until(() => published.length === 1);
  clock.set(T0 + LEASE_MS - 1);
  await expect(run()).resolves.toMatchObject({ status: 'busy' });
  clock.set(T0 + LEASE_MS + 1);
  await expect(run()).resolves.toMatchObject({ status: 'ran', ok: true, due: '2026-05-01T09:05:00.000Z', missedSince: '2026-05-01T09:01:00.000Z' });
});

test('a run that lost its lease to another neither renews nor releases over the other\'s claim', async () => {
  const { run, published, release, clock, timer, claim, logged } = setup();
  const first = run();
  await until(() => published.length === 1);
  clock.set(T0 + LEASE_MS + 1);
  await expect(run()).resolves.toMatchObject({ status: 'ran', due: '2026-05-01T09:05:00.000Z' });
  const other = await claim();
  timer.fire(); // the stalled run's renewal, late
  await until(() => logged.includes('schedule lease lapsed and was claimed by another run; this run goes on beside it'));
  release();
  await expect(first).resolves.toMatchObject({ status: 'ran', due: '2026-05-01T09:00:00.000Z' });
  expect(await claim()).toEqual(other);
});

test('a claim stored before leases existed holds nothing', async () => {
  const { run, deps } = setup();
  await deps.store.put(scheduleKeys.claim('beat'), JSON.stringify({ due: T0 - MINUTE, claimedAt: T0 - MINUTE, timing: 'every:60' }));
  deps.bus.publish = async () => undefined;
  await expect(run()).resolves.toMatchObject({ status: 'ran', due: '2026-05-01T09:00:00.000Z' });
});

test('a run still going long after its claim is taken for hung: no longer renewed, its lease lapses and the schedule runs again', async () => {
  const { run, published, clock, timer, claim, logged } = setup();
  void run(); // never released
  await until(() => published.length === 1 && timer.waiting() === 1);
  for (let at = LEASE_MS / 4; at < 15 * MINUTE; at += LEASE_MS / 4) {
    clock.set(T0 + at);
    timer.fire();
    await until(async () => (await claim()).until === T0 + at + LEASE_MS && timer.waiting() === 1);
  }
  clock.set(T0 + 15 * MINUTE);
  timer.fire();
  await until(() => logged.includes('schedule run still going long after its claim; its lease is left to lapse'));
  expect((await claim()).until).toBe(T0 + 15 * MINUTE - LEASE_MS / 4 + LEASE_MS);
  clock.set(T0 + 15 * MINUTE - LEASE_MS / 4 + LEASE_MS + 1);
  await expect(run()).resolves.toMatchObject({ status: 'ran', due: '2026-05-01T09:18:00.000Z' });
});
