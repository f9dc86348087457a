import { InvocationContext, type Timer } from '@azure/functions';
import { testDeps } from '../../../test/deps';
import { azureScheduler } from './scheduler';

/** The timer trigger's invocation as the Functions host passes it (Timer object, InvocationContext). */
const T0 = Date.parse('2026-05-01T09:00:00Z');
const timer = (isPastDue: boolean): Timer => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '2026-05-01T08:59:00Z', next: '2026-05-01T09:01:00Z', lastUpdated: '2026-05-01T08:59:00Z' },
});

test('a timer invocation ticks at the clock and runs what is due; a past-due one is logged and still runs once', async () => {
  const t = testDeps({ schedules: { minutely: { everySeconds: 60, job: { type: 'emit', eventType: 'secorch.system.tick' } } } }, {}, T0 + 700);
  const warnings: string[] = [];
  t.deps.logger = { ...t.deps.logger, warn: (msg) => void warnings.push(msg) };
  const run = azureScheduler(async () => t.deps);
  const context = new InvocationContext({ functionName: 'scheduler', invocationId: 'inv-1' });
  await expect(run(timer(false), context)).resolves.toMatchObject({ name: 'scheduler', ok: true, details: { schedules: { minutely: { status: 'ran', due: '2026-05-01T09:00:00.000Z' } } } });
  await expect(run(timer(true), context)).resolves.toMatchObject({ details: { schedules: { minutely: { status: 'idle' } } } });
  expect(warnings).toEqual(['scheduler timer is past due']);
  expect(t.bus.events).toHaveLength(1);
});
