import { testDeps } from '../../../test/deps';
import { keys } from '../keys';
import type { BreakerState } from '../breaker';
import { admit, heldBack, recordResult } from './breaker-store';
import { type DeliveryDeps, deliverySettings } from './deps';
import { sweepCache } from './sweep-cache';

/**
 * The stored breaker as the engine's settings configure it (injected clock, memory store). The
 * half-open probe is one attempt at a time for as long as that attempt can still be in flight:
 * the request deadline is configurable (deliveries.timeoutSeconds, up to 120 s), so a probe may
 * not be presumed lost before its own deadline has passed.
 */
const S = 1000;
const DAY = 24 * 3600 * S;

async function openBreaker(timeoutSeconds: number) {
  const t = testDeps({ deliveries: { timeoutSeconds } });
  const settings = deliverySettings(t.deps);
  // Opened by failures, its probe time now.
  for (let i = 0; i < settings.breaker.failureThreshold; i++) await recordResult(t.deps, 'acme', 'sub_1', false, settings.breaker);
  t.clock.advance(settings.breaker.openForMs);
  return { ...t, settings };
}

test('a probe still within a long request deadline (90 s) is not joined by a second probe', async () => {
  const { deps, clock, settings } = await openBreaker(90);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  // 61 s into the probe: its request may run for 90 s, so it is still in flight.
  clock.advance(61 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(expect.objectContaining({ allow: false }));
  clock.advance(29 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(expect.objectContaining({ allow: false }));
  // Well past its deadline, a probe nobody reported on is presumed lost and replaced.
  clock.advance(91 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  const stored = JSON.parse((await deps.store.get(keys.breaker('acme', 'sub_1')))!.value) as { state: string; probeStartedAt: number };
  expect(stored).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: clock.now() }));
});

test('with the default 15 s deadline a lost probe is replaced after 60 s, as before', async () => {
  const { deps, clock, settings } = await openBreaker(15);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  clock.advance(59 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: false, retryAt: clock.now() + S });
  clock.advance(S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
});

test('the probe\'s success closes the breaker; its failure opens it again for twice as long', async () => {
  const { deps, clock, settings } = await openBreaker(15);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  expect(await recordResult(deps, 'acme', 'sub_1', false, settings.breaker)).toEqual(['breaker.opened']);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: false, retryAt: clock.now() + 2 * settings.breaker.openForMs });
  clock.advance(2 * settings.breaker.openForMs);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  expect(await recordResult(deps, 'acme', 'sub_1', true, settings.breaker)).toEqual(['breaker.closed']);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: true });
});

/**
 * Within a sweep the state read is kept (sweep-cache.ts) and answers without a read when it
 * needs no write: these make sure the kept state still holds attempts back, still lets only one
 * probe go, and that a success after failures still reaches the store.
 */
const storedBreaker = async (deps: DeliveryDeps) => JSON.parse((await deps.store.get(keys.breaker('acme', 'sub_1')))!.value) as BreakerState;

test('kept in a sweep, an open breaker holds attempts back until its probe time, then lets exactly one probe go', async () => {
  const t = testDeps({ deliveries: { timeoutSeconds: 15 } });
  const deps = t.deps as DeliveryDeps;
  const cache = sweepCache(deps);
  const { breaker } = cache.settings;
  for (let i = 0; i < breaker.failureThreshold; i++) await recordResult(deps, 'acme', 'sub_1', false, breaker, cache);
  const probeAt = t.clock.now() + breaker.openForMs;
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ retryAt: probeAt });
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ allow: false, retryAt: probeAt });
  t.clock.set(probeAt);
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, cache)).toBeUndefined();
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ allow: true });
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: probeAt }));
  // The probe is in flight: neither this sweep nor another one sends a second.
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual(expect.objectContaining({ allow: false }));
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, sweepCache(deps))).toEqual(expect.objectContaining({ retryAt: expect.any(Number) }));
  expect(await recordResult(deps, 'acme', 'sub_1', true, breaker, cache)).toEqual(['breaker.closed']);
  expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 0 });
});

test('kept in a sweep, a success after failures clears them in the store; a success on a clean breaker writes nothing', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const cache = sweepCache(deps);
  const { breaker } = cache.settings;
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ allow: true });
  expect(await recordResult(deps, 'acme', 'sub_1', true, breaker, cache)).toEqual([]);
  expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toBeUndefined();
  await recordResult(deps, 'acme', 'sub_1', false, breaker, cache);
  await recordResult(deps, 'acme', 'sub_1', false, breaker, cache);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ state: 'closed', consecutiveFailures: 2 }));
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ allow: true });
  expect(await recordResult(deps, 'acme', 'sub_1', true, breaker, cache)).toEqual([]);
  expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 0 });
});

test('a stored breaker expires once no attempt has written it for a month: one written after its subscription was deleted is not kept for ever', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const { breaker } = sweepCache(deps).settings;
  // An attempt in flight when the subscription and its breaker were deleted reports its failure.
  await recordResult(deps, 'acme', 'sub_1', false, breaker);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ consecutiveFailures: 1 }));
  // Each write keeps it a month longer.
  t.clock.advance(20 * DAY);
  await recordResult(deps, 'acme', 'sub_1', false, breaker);
  t.clock.advance(20 * DAY);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ consecutiveFailures: 2 }));
  t.clock.advance(12 * DAY);
  expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toBeUndefined();
});
