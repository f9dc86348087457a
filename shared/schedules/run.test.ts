import { testDeps } from '../../test/deps';
import { jsonLogger } from '../log/json-logger';
import { configSchema } from '../config';
import { recordRun } from './claim';
import { runSchedule } from './run';

const T0 = Date.parse('2026-05-01T09:00:00Z');

/** Deps whose bus rejects the first publish with `thrown`, and a real JSON logger writing to `lines`. */
function setup(thrown: unknown) {
  const t = testDeps({}, {}, T0);
  const lines: string[] = [];
  t.deps.logger = jsonLogger({ clock: t.clock, write: (l) => lines.push(l) });
  t.deps.bus.publish = () => Promise.reject(thrown);
  const schedule = configSchema.parse({ schedules: { beat: { everySeconds: 60, job: { type: 'emit', eventType: 'x.y' } } } }).schedules.beat!;
  return { ...t, lines, run: () => runSchedule('beat', schedule, T0, T0 + 45_000, t.deps) };
}

// A job may reject with anything. JSON.stringify refuses a bigint, and redaction walks an object's
// getters: the logger (shared/log/json-logger.ts) writes such values anyway, so runSchedule, which
// must never throw, still reports and records the failure instead of losing the tick.
test.each([
  ['a bigint', 10n, '10'],
  ['an object holding a bigint', { count: 1n }, { count: '1' }],
  ['a string, redacted', 'vendor said no to Bearer abc.def', 'vendor said no to [redacted]'],
  ['a plain object, redacted', { code: 'E42', token: 'tok-123' }, { code: 'E42', token: '[redacted]' }],
])('a job that throws %s is reported as internal_error, logged with it and recorded', async (_, thrown, logged) => {
  const { run, lines, deps } = setup(thrown);
  await expect(run()).resolves.toMatchObject({ status: 'ran', ok: false, due: '2026-05-01T09:00:00.000Z', error: { code: 'internal_error' } });
  const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'schedule failed');
  expect(failed).toMatchObject({ level: 'error', schedule: 'beat', code: 'internal_error', error: logged });
  expect(JSON.parse((await deps.store.get('schlast:beat'))!.value)).toMatchObject({ ok: false, code: 'internal_error', due: T0 });
});

test.each([
  ['an object whose getter throws', { get detail(): string { throw new Error('getter (test)'); } }],
  ['undefined', undefined],
])('a job that throws %s is still reported, logged and recorded', async (_, thrown) => {
  const { run, lines, deps } = setup(thrown);
  await expect(run()).resolves.toMatchObject({ status: 'ran', ok: false, error: { code: 'internal_error' } });
  expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('schedule failed');
  expect(JSON.parse((await deps.store.get('schlast:beat'))!.value)).toMatchObject({ ok: false, code: 'internal_error' });
});

test('a slow run finishing after a later one was recorded leaves the later record in place', async () => {
  const { deps } = testDeps({}, {}, T0);
  await recordRun(deps.store, 'beat', { due: T0 + 60_000, ok: true, finishedAt: T0 + 61_000, durationMs: 1000 });
  await recordRun(deps.store, 'beat', { due: T0, ok: false, finishedAt: T0 + 90_000, durationMs: 90_000, code: 'internal_error' });
  expect(JSON.parse((await deps.store.get('schlast:beat'))!.value)).toMatchObject({ due: T0 + 60_000, ok: true });
  await recordRun(deps.store, 'beat', { due: T0 + 120_000, ok: true, finishedAt: T0 + 121_000, durationMs: 1000 });
  expect(JSON.parse((await deps.store.get('schlast:beat'))!.value)).toMatchObject({ due: T0 + 120_000 });
});
