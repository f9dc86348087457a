import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import type { DeliveryClient } from '../../http/delivery-client';
import type { BreakerState } from '../breaker';
import { keys } from '../keys';
import { processDue } from './attempt';
import { recordResult } from './breaker-store';
import { type DeliveryDeps, deliverySettings } from './deps';
import { fanOut } from './fanout';
import { sweepDue } from './sweep';
import { sweepCache } from './sweep-cache';
import { seedSubscription } from './testkit';

/**
 * A success and another worker's failure on one breaker: worker A reads the breaker clean and
 * sends; while its request runs, worker B (another sweep, a wake-up) records a failure; then A's
 * attempt succeeds. The success came after the failure, so the run of failures is over: four
 * more failures must not open the breaker (five in a row do). The receiver is a stand-in client
 * that lets "B" record its failure while A's request is under way.
 */
const event = (id: string): CloudEvent => ({ specversion: '1.0', id, source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default', data: {} });

async function race() {
  const t = testDeps();
  const { breaker } = deliverySettings(t.deps);
  let sent = 0;
  const hooks: { duringFirst?: () => Promise<unknown> } = {};
  const outbound: DeliveryClient = {
    async send() {
      sent += 1;
      if (sent === 1 && hooks.duringFirst) await hooks.duringFirst();
      return { status: 204, headers: new Headers(), headerRecord: {}, body: new Uint8Array(0), truncated: false, durationMs: 1 };
    },
    close: async () => {},
  };
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  const { sub } = await seedSubscription(deps, { url: 'https://hooks.example.com/x' });
  /** Worker B, a sweep of its own: its failure ends before A's success, 300 ms later. */
  hooks.duringFirst = async () => {
    await recordResult(deps, 'default', sub.id, false, 0, breaker, sweepCache(deps));
    t.clock.advance(300);
  };
  const stored = async () => JSON.parse((await deps.store.get(keys.breaker('default', sub.id)))?.value ?? 'null') as BreakerState | null;
  /** Four failures from other workers after the success. */
  const fourMore = async () => {
    const events = [];
    for (let i = 0; i < 4; i++) events.push(...(await recordResult(deps, 'default', sub.id, false, 0, breaker, sweepCache(deps))));
    return events;
  };
  return { t, deps, sub, stored, fourMore, sent: () => sent };
}

test('a wake-up\'s success clears a failure another worker recorded during its request: four more failures leave the breaker closed', async () => {
  const r = await race();
  const [d] = (await fanOut(event('e1'), r.deps)).created;
  expect(await processDue(r.deps, { at: Date.parse(d!.nextAttemptAt!), tenant: 'default', id: d!.id })).toBe('succeeded');
  expect(await r.stored()).toEqual({ state: 'closed', consecutiveFailures: 0 });
  expect(await r.fourMore()).toEqual([]);
  expect(await r.stored()).toEqual(expect.objectContaining({ state: 'closed', consecutiveFailures: 4 }));
});

test('in a sweep too, without a breaker read per attempt: the success is confirmed once, when the sweep ends', async () => {
  const r = await race();
  for (let i = 0; i < 40; i++) await fanOut(event(`e${i}`), r.deps);
  let breakerReads = 0;
  const get = r.deps.store.get.bind(r.deps.store);
  r.deps.store.get = (key, ...rest) => {
    if (key === keys.breaker('default', r.sub.id)) breakerReads += 1;
    return get(key, ...rest);
  };
  const report = await sweepDue(r.deps, { concurrency: 1 });
  expect([report.succeeded, r.sent()]).toEqual([40, 40]);
  // One read for the kept state and one to confirm the successes at the end: 2, or a refresh more
  // should the machine take over a second (the kept state's age is wall time). Not 40 or more.
  expect(breakerReads).toBeGreaterThanOrEqual(2);
  expect(breakerReads).toBeLessThanOrEqual(4);
  expect(await r.stored()).toEqual({ state: 'closed', consecutiveFailures: 0 });
  expect(await r.fourMore()).toEqual([]);
});

test('a sweep busy with other subscriptions confirms the success a second after it, without waiting for its end', async () => {
  const t = testDeps();
  const { breaker } = deliverySettings(t.deps);
  const seen: Array<BreakerState | null> = [];
  const stored = async (id: string) => JSON.parse((await t.deps.store.get(keys.breaker('default', id)))?.value ?? 'null') as BreakerState | null;
  const outbound: DeliveryClient = {
    async send(url) {
      if (url.endsWith('/a')) {
        // Worker B's failure on subscription a during A's request, which then succeeds.
        await recordResult(deps, 'default', a.id, false, 0, breaker, sweepCache(deps));
        t.clock.advance(300);
      } else {
        seen.push(await stored(a.id));
        t.clock.advance(600);
      }
      return { status: 204, headers: new Headers(), headerRecord: {}, body: new Uint8Array(0), truncated: false, durationMs: 1 };
    },
    close: async () => {},
  };
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  const { sub: a } = await seedSubscription(deps, { url: 'https://hooks.example.com/a', filter: { exact: { type: 'a' } } });
  await seedSubscription(deps, { url: 'https://hooks.example.com/b', filter: { exact: { type: 'b' } } });
  // A millisecond apart: the sweep takes them in this order, oldest first.
  await fanOut({ ...event('e0'), type: 'a' }, deps);
  for (let i = 1; i <= 4; i++) {
    t.clock.advance(1);
    await fanOut({ ...event(`e${i}`), type: 'b' }, deps);
  }
  expect((await sweepDue(deps, { concurrency: 1 })).succeeded).toBe(5);
  // Subscription b's attempts 600 ms apart: by the third, a second has passed since a's success.
  expect(seen.map((s) => s?.consecutiveFailures)).toEqual([1, 1, 0, 0]);
});
