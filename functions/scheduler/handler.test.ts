import { gunzipSync } from 'node:zlib';
import { testDeps } from '../../test/deps';
import { destinations } from '../../shared/destinations';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { validateCloudEvent } from '../../shared/events/cloudevent';
import { jsonLogger } from '../../shared/log/json-logger';
import { memoryObjects } from '../../shared/objects/memory';
import { emitJob } from '../../shared/schedules/jobs/emit';
import { makeScheduler, scheduler } from './handler';

const T0 = Date.parse('2026-05-01T09:00:00Z');
const MINUTE = 60_000;

function setup(schedules: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const t = testDeps({ schedules, ...extra }, {}, T0);
  const tick = () => scheduler({ name: 'scheduler', scheduledAt: t.clock.now() }, t.deps);
  return { ...t, tick };
}

const heartbeat = { cron: '*/5 * * * *', tenant: 'acme', job: { type: 'emit', eventType: 'secorch.system.heartbeat', data: { hello: 'world' } } };

test('emit: one CloudEvent per due time, with a stable id, the schedule as source and origin, the tenant stamped', async () => {
  const { tick, bus, clock } = setup({ heartbeat });
  const report = await tick();
  expect(report).toMatchObject({ name: 'scheduler', ok: true, details: { schedules: { heartbeat: { status: 'ran', ok: true, due: '2026-05-01T09:00:00.000Z' } } } });
  expect(bus.events).toHaveLength(1);
  const event = bus.events[0]!;
  expect(validateCloudEvent(event)).toEqual([]);
  expect(event).toMatchObject({
    specversion: '1.0', source: '//secorch/schedules/heartbeat', type: 'secorch.system.heartbeat', time: '2026-05-01T09:00:00.000Z',
    tenant: 'acme', origin: 'schedule:heartbeat', datacontenttype: 'application/json', data: { hello: 'world' },
  });
  // Same due time, same id (a second deployment region or a replay dedupes on it); the next one differs.
  const again = setup({ heartbeat });
  await again.tick();
  expect(again.bus.events[0]!.id).toBe(event.id);
  clock.advance(5 * MINUTE);
  await tick();
  expect(bus.events).toHaveLength(2);
  expect(bus.events[1]!.id).not.toBe(event.id);
  expect(bus.events[1]!.time).toBe('2026-05-01T09:05:00.000Z');
});

test('the ticks between due times run nothing', async () => {
  const { tick, bus, clock } = setup({ heartbeat });
  await tick();
  for (let i = 1; i < 5; i++) {
    clock.advance(MINUTE);
    await expect(tick()).resolves.toMatchObject({ ok: true, details: { schedules: { heartbeat: { status: 'idle' } } } });
  }
  expect(bus.events).toHaveLength(1);
});

test('overlapping ticks: each due time runs exactly once', async () => {
  const { tick, bus } = setup({ heartbeat, other: { everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } } });
  const reports = await Promise.all([tick(), tick(), tick()]);
  expect(bus.events.map((e) => e.type).sort()).toEqual(['secorch.system.heartbeat', 'x.y']);
  const statuses = reports.map((r) => (r.details!.schedules as Record<string, { status: string }>).heartbeat!.status).sort();
  expect(statuses).toEqual(['ran', 'taken', 'taken']);
  expect(reports.every((r) => r.ok)).toBe(true);
});

test('after downtime, missed due times run once and the report says since when', async () => {
  const { tick, bus, clock } = setup({ heartbeat });
  await tick();
  clock.advance(60 * MINUTE + 20_000);
  const report = await tick();
  expect(report.details!.schedules).toEqual({
    heartbeat: expect.objectContaining({ status: 'ran', ok: true, due: '2026-05-01T10:00:00.000Z', missedSince: '2026-05-01T09:05:00.000Z' }),
  });
  expect(bus.events).toHaveLength(2);
});

test('a schedule whose cron expression was edited starts afresh: no run at once for due times of the new expression since the last claim', async () => {
  const nightly = (cron: string) => ({ cron, job: { type: 'emit', eventType: 'secorch.system.nightly' } });
  const t = testDeps({ schedules: { nightly: nightly('0 9 * * *') } }, {}, T0);
  const tickWith = (cron: string) => {
    t.deps.config.schedules.nightly!.cron = cron;
    return scheduler({ name: 'scheduler', scheduledAt: t.clock.now() }, t.deps);
  };
  expect((await tickWith('0 9 * * *')).details).toMatchObject({ schedules: { nightly: { status: 'ran' } } });
  // Edited at noon to 10:00: today's 10:00 lies after the last claim but must not run now.
  t.clock.advance(3 * 60 * MINUTE);
  expect((await tickWith('0 10 * * *')).details).toMatchObject({ schedules: { nightly: { status: 'idle' } } });
  // The next 10:00 runs as usual, and the claim now counts for the new expression.
  t.clock.set(Date.parse('2026-05-02T10:00:00Z'));
  expect((await tickWith('0 10 * * *')).details).toMatchObject({ schedules: { nightly: { status: 'ran', due: '2026-05-02T10:00:00.000Z' } } });
  expect(t.bus.events.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-02T10:00:00.000Z']);
});

test('a cron schedule with a time zone runs at that zone\'s wall-clock time; moving it to another zone starts afresh', async () => {
  // T0 is 09:00 UTC = 11:00 in Berlin (CEST) = 05:00 in New York (EDT).
  const daily = { cron: '0 11 * * *', timezone: 'Europe/Berlin', job: { type: 'emit', eventType: 'secorch.system.daily' } };
  const t = testDeps({ schedules: { daily } }, {}, T0);
  const tick = () => scheduler({ name: 'scheduler', scheduledAt: t.clock.now() }, t.deps);
  expect((await tick()).details).toMatchObject({ schedules: { daily: { status: 'ran', due: '2026-05-01T09:00:00.000Z' } } });
  // Moved to New York at 14:00 UTC: 11:00 New York (15:00 UTC) is still ahead today and is not run early.
  t.deps.config.schedules.daily!.timezone = 'America/New_York';
  t.clock.set(Date.parse('2026-05-01T14:00:00Z'));
  expect((await tick()).details).toMatchObject({ schedules: { daily: { status: 'idle' } } });
  t.clock.set(Date.parse('2026-05-01T15:00:10Z'));
  expect((await tick()).details).toMatchObject({ schedules: { daily: { status: 'ran', due: '2026-05-01T15:00:00.000Z' } } });
  expect(t.bus.events.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-01T15:00:00.000Z']);
});

test('a failing job is reported with its code and does not stop the others; its outcome is recorded', async () => {
  const { tick, bus, deps } = setup(
    { flush: { everySeconds: 60, job: { type: 'archive-flush' } }, heartbeat, off: { ...heartbeat, enabled: false } },
    { destinations: { lake: { type: 'archive', bucket: 'b' } } },
  );
  // No object storage in these deps: the flush fails with destination_unavailable.
  const report = await tick();
  expect(report.ok).toBe(false);
  expect(report.details!.schedules).toEqual({
    flush: expect.objectContaining({ status: 'ran', ok: false, error: { code: 'destination_unavailable' } }),
    heartbeat: expect.objectContaining({ status: 'ran', ok: true }),
    off: { status: 'disabled' },
  });
  expect(bus.events.map((e) => e.type)).toEqual(['secorch.system.heartbeat']);
  expect(JSON.parse((await deps.store.get('schlast:flush'))!.value)).toMatchObject({ ok: false, code: 'destination_unavailable', due: T0 });
});

test('archive-flush writes what the archive destination buffered', async () => {
  const { tick, deps, clock } = setup({ flush: { cron: '*/10 * * * *', job: { type: 'archive-flush', destination: 'lake' } } }, {
    destinations: { lake: { type: 'archive', bucket: 'lake', prefix: 'raw/' } },
  });
  const objects = memoryObjects(clock);
  deps.objects = objects;
  const event: CloudEvent = { specversion: '1.0', id: 'e1', source: '/webhooks/github', type: 'secorch.webhook.received', time: '2026-05-01T08:59:00Z' };
  await destinations(deps.config).get('lake')!(event, deps);
  const report = await tick();
  expect(report.details!.schedules).toEqual({
    flush: expect.objectContaining({ status: 'ran', ok: true, result: { flushed: { lake: { objects: 1, events: 1, recovered: 0 } } } }),
  });
  const [stored] = [...objects.buckets.get('lake')!.entries()];
  expect(stored![0]).toMatch(/^raw\/year=2026\/month=05\/day=01\/hour=08\//);
  expect(JSON.parse(gunzipSync(stored![1].body).toString('utf8'))).toEqual(event);
});

test('a timer firing a moment early still runs the due time it stands for', async () => {
  const { deps, bus, clock } = setup({ heartbeat });
  clock.set(T0 - 1_500);
  await makeScheduler({ budgetMs: 45_000, earlyToleranceMs: 2_000 })({ name: 't', scheduledAt: T0 - 1_500 }, deps);
  expect(bus.events.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z']);
  const strict = setup({ heartbeat });
  strict.clock.set(T0 - 1_500);
  await makeScheduler({ budgetMs: 45_000, earlyToleranceMs: 0 })({ name: 't', scheduledAt: T0 - 1_500 }, strict.deps);
  expect(strict.bus.events).toEqual([]);
});

test('a state store failure while claiming is reported and nothing runs', async () => {
  const { tick, deps, bus } = setup({ heartbeat });
  deps.store.get = async () => {
    throw new Error('store down (test)');
  };
  const report = await tick();
  expect(report).toMatchObject({ ok: false, details: { schedules: { heartbeat: { status: 'error', error: { code: 'internal_error' } } } } });
  expect(bus.events).toEqual([]);
});

test('a job rejecting with a value the logger cannot write (a bigint) fails alone: the tick still reports every schedule', async () => {
  const { tick, deps, bus, clock } = setup({ heartbeat, other: { everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } } });
  deps.logger = jsonLogger({ clock, write: () => undefined });
  const publish = bus.publish.bind(bus);
  deps.bus.publish = (event) => (event.type === 'x.y' ? Promise.reject(10n) : publish(event));
  const report = await tick();
  expect(report).toMatchObject({ ok: false, details: { schedules: {
    heartbeat: { status: 'ran', ok: true }, other: { status: 'ran', ok: false, error: { code: 'internal_error' } },
  } } });
  expect(bus.events.map((e) => e.type)).toEqual(['secorch.system.heartbeat']);
});

test('a tick whose scheduled time lies beyond the next tick (a hand-made or replayed event) runs what is due by the clock, not future due times', async () => {
  const { deps, bus, clock, tick } = setup({ heartbeat });
  const DAY = 24 * 60 * MINUTE;
  const report = await scheduler({ name: 'manual', scheduledAt: T0 + DAY }, deps);
  expect(report.details!.schedules).toEqual({ heartbeat: expect.objectContaining({ status: 'ran', due: '2026-05-01T09:00:00.000Z' }) });
  // Had the tick claimed 2026-05-02T09:00, every due time until then would be idle.
  clock.advance(5 * MINUTE);
  await tick();
  expect(bus.events.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-01T09:05:00.000Z']);
});

test('a tick without a usable scheduled time (NaN) runs what is due by the clock', async () => {
  const { deps, bus } = setup({ heartbeat });
  await expect(scheduler({ name: 'manual', scheduledAt: Number.NaN }, deps)).resolves.toMatchObject({ ok: true });
  expect(bus.events.map((e) => e.time)).toEqual(['2026-05-01T09:00:00.000Z']);
});

test('a tick while a schedule\'s previous run is still going reports it busy, not failed, and does not start it again', async () => {
  const { deps, clock } = setup({ beat: { everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } } });
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  let calls = 0;
  deps.bus.publish = async () => {
    if (++calls === 1) await slow;
  };
  // A timer that fires only when stopped: no renewal is needed within one lease here.
  const sleep = (_ms: number, signal?: AbortSignal) => new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
  const tickWith = makeScheduler({ budgetMs: 45_000, earlyToleranceMs: 0, sleep });
  const first = tickWith({ name: 'scheduler', scheduledAt: clock.now() }, deps);
  for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setImmediate(r));
  clock.advance(MINUTE);
  await expect(tickWith({ name: 'scheduler', scheduledAt: clock.now() }, deps)).resolves.toEqual({
    name: 'scheduler', ok: true, details: { at: '2026-05-01T09:01:00.000Z', schedules: { beat: { status: 'busy', due: '2026-05-01T09:01:00.000Z', running: '2026-05-01T09:00:00.000Z' } } },
  });
  expect(calls).toBe(1);
  release();
  await expect(first).resolves.toMatchObject({ ok: true, details: { schedules: { beat: { status: 'ran', ok: true } } } });
});

test('the jobs\' deadline is the budget\'s end, or 10 s before the platform ends the run when that comes first (a long cold start)', async () => {
  const { deps, clock } = setup({ heartbeat });
  const deadlines: number[] = [];
  const run = jest.spyOn(emitJob, 'run').mockImplementation(async (_job, ctx) => {
    deadlines.push(ctx.deadline);
    return {};
  });
  try {
    const tickWith = makeScheduler({ budgetMs: 45_000, earlyToleranceMs: 0 });
    const tick = (deadline?: number) => tickWith({ name: 'scheduler', scheduledAt: clock.now(), ...(deadline === undefined ? {} : { deadline }) }, deps);
    await tick(); // no platform deadline (Azure, Google Cloud, locally): the budget
    for (const left of [900_000, 30_000, 5_000]) {
      clock.advance(5 * MINUTE);
      await tick(clock.now() + left);
    }
    const starts = [0, 1, 2, 3].map((i) => T0 + i * 5 * MINUTE);
    expect(deadlines).toEqual([starts[0]! + 45_000, starts[1]! + 45_000, starts[2]! + 20_000, starts[3]! - 5_000]);
    expect(deadlines[3]).toBeLessThanOrEqual(starts[3]! + 5_000);
  } finally {
    run.mockRestore();
  }
});
