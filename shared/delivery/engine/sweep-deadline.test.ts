import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import type { DeliveryClient } from '../../http/delivery-client';
import { keys } from '../keys';
import type { Delivery } from '../model';
import type { DeliveryDeps } from './deps';
import { fanOut } from './fanout';
import { DEADLINE_MARGIN_MS, sweepDue } from './sweep';
import { seedSubscription } from './testkit';

/**
 * A sweep run by a platform timer (a Lambda, an Azure or Google Cloud function) ends at the
 * function's timeout, and an attempt cut off there records no outcome: the next sweep would send
 * it again under the same webhook-id. With a deadline, no attempt starts later than a request's
 * timeout plus the margin before it, and what is left stays due.
 *
 * The receiver is a stand-in (no HTTP): each request takes 1 s of the injected clock, so the
 * sweep's progress through time is exact. Real requests are in engine.test.ts.
 */
const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', origin: 'api:ci', data: { n: id },
});

function slowReceiver(clock: { now(): number; advance(ms: number): void }) {
  const startedAt: number[] = [];
  const outbound: DeliveryClient = {
    send: async () => {
      startedAt.push(clock.now());
      await new Promise((r) => setImmediate(r));
      clock.advance(1000);
      return { status: 204, headers: new Headers(), headerRecord: {}, body: new Uint8Array(), truncated: false, durationMs: 1000 };
    },
    close: async () => undefined,
  };
  return { outbound, startedAt };
}

async function setup(n: number) {
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } });
  const rx = slowReceiver(t.clock);
  const deps: DeliveryDeps = { ...t.deps, outbound: rx.outbound, random: () => 0.5 };
  await seedSubscription(deps, { url: 'http://127.0.0.1:9/hook' });
  for (let i = 0; i < n; i++) await fanOut(event(`e${i}`), deps);
  return { deps, clock: t.clock, rx };
}

const pending = async (deps: DeliveryDeps) =>
  (await deps.store.list(keys.deliveries('default'), { limit: 1000 })).items.map((i) => JSON.parse(i.value) as Delivery).filter((d) => d.status === 'pending');

test('no attempt starts within a request timeout and the margin of the deadline; the rest stays due for the next sweep', async () => {
  const { deps, clock, rx } = await setup(60);
  const start = clock.now();
  const timeoutMs = 15_000; // the default deliveries.timeoutSeconds
  const deadline = start + 30_000;
  const report = await sweepDue(deps, { concurrency: 1, deadline });
  const lastStart = deadline - timeoutMs - DEADLINE_MARGIN_MS;
  expect(rx.startedAt.length).toBeGreaterThan(0);
  expect(Math.max(...rx.startedAt)).toBeLessThanOrEqual(lastStart);
  // One lane, 1 s per request: every second up to the last start got its attempt.
  expect(rx.startedAt).toHaveLength((lastStart - start) / 1000 + 1);
  expect(report).toMatchObject({ succeeded: rx.startedAt.length, errors: 0, stoppedForDeadline: true });
  expect(await pending(deps)).toHaveLength(60 - rx.startedAt.length);

  // The next sweep (no deadline here) takes the rest; nothing was sent twice.
  const next = await sweepDue(deps, { concurrency: 4 });
  expect(next.succeeded).toBe(60 - report.succeeded);
  expect(next.stoppedForDeadline).toBeUndefined();
  expect(await pending(deps)).toEqual([]);
  expect(rx.startedAt).toHaveLength(60);
});

test('a deadline too close for any attempt starts none and leaves every delivery due', async () => {
  const { deps, clock, rx } = await setup(3);
  const report = await sweepDue(deps, { deadline: clock.now() + 20_000 });
  expect(rx.startedAt).toEqual([]);
  expect(report).toMatchObject({ succeeded: 0, stoppedForDeadline: true });
  expect(await pending(deps)).toHaveLength(3);
});
