import { testDeps } from '../../../test/deps';
import { keys } from '../keys';
import type { BreakerState } from '../breaker';
import { admit, confirmSuccesses, heldBack, recordResult, restartBreaker } from './breaker-store';
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
/** The generation of attempts admitted on a breaker that never changed state (closed, as created). */
const GEN = 0;
const ALLOWED = { allow: true, generation: expect.any(Number) };

/** Admits an attempt that must go; answers the generation its outcome is recorded for. */
async function admitted(...args: Parameters<typeof admit>): Promise<number> {
  const gate = await admit(...args);
  if (!gate.allow) throw new Error(`held back until ${gate.retryAt}`);
  return gate.generation;
}

async function openBreaker(timeoutSeconds: number) {
  const t = testDeps({ deliveries: { timeoutSeconds } });
  const settings = deliverySettings(t.deps);
  // Opened by failures, its probe time now.
  for (let i = 0; i < settings.breaker.failureThreshold; i++) await recordResult(t.deps, 'acme', 'sub_1', false, GEN, settings.breaker);
  t.clock.advance(settings.breaker.openForMs);
  return { ...t, settings };
}

test('a probe still within a long request deadline (90 s) is not joined by a second probe', async () => {
  const { deps, clock, settings } = await openBreaker(90);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
  // 61 s into the probe: its request may run for 90 s, so it is still in flight.
  clock.advance(61 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(expect.objectContaining({ allow: false }));
  clock.advance(29 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(expect.objectContaining({ allow: false }));
  // Well past its deadline, a probe nobody reported on is presumed lost and replaced.
  clock.advance(91 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
  const stored = JSON.parse((await deps.store.get(keys.breaker('acme', 'sub_1')))!.value) as { state: string; probeStartedAt: number };
  expect(stored).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: clock.now() }));
});

test('with the default 15 s deadline a lost probe is replaced after 60 s, as before', async () => {
  const { deps, clock, settings } = await openBreaker(15);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
  clock.advance(59 * S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: false, retryAt: clock.now() + S });
  clock.advance(S);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
});

test('the probe\'s success closes the breaker; its failure opens it again for twice as long', async () => {
  const { deps, clock, settings } = await openBreaker(15);
  const probe = await admitted(deps, 'acme', 'sub_1', settings.breaker);
  expect(await recordResult(deps, 'acme', 'sub_1', false, probe, settings.breaker)).toEqual(['breaker.opened']);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual({ allow: false, retryAt: clock.now() + 2 * settings.breaker.openForMs });
  clock.advance(2 * settings.breaker.openForMs);
  const second = await admitted(deps, 'acme', 'sub_1', settings.breaker);
  expect(await recordResult(deps, 'acme', 'sub_1', true, second, settings.breaker)).toEqual(['breaker.closed']);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
  expect(await admit(deps, 'acme', 'sub_1', settings.breaker)).toEqual(ALLOWED);
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
  for (let i = 0; i < breaker.failureThreshold; i++) await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker, cache);
  const probeAt = t.clock.now() + breaker.openForMs;
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ retryAt: probeAt });
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual({ allow: false, retryAt: probeAt });
  t.clock.set(probeAt);
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, cache)).toBeUndefined();
  const probe = await admitted(deps, 'acme', 'sub_1', breaker, cache);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ state: 'half-open', probeStartedAt: probeAt, generation: probe }));
  // The probe is in flight: neither this sweep nor another one sends a second.
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual(expect.objectContaining({ allow: false }));
  expect(await heldBack(deps, 'acme', 'sub_1', breaker, sweepCache(deps))).toEqual(expect.objectContaining({ retryAt: expect.any(Number) }));
  expect(await recordResult(deps, 'acme', 'sub_1', true, probe, breaker, cache)).toEqual(['breaker.closed']);
  expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 0, generation: probe + 1 });
});

test('kept in a sweep, a success after failures clears them in the store; a success on a clean breaker writes nothing', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const cache = sweepCache(deps);
  const { breaker } = cache.settings;
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual(ALLOWED);
  expect(await recordResult(deps, 'acme', 'sub_1', true, GEN, breaker, cache)).toEqual([]);
  expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toBeUndefined();
  await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker, cache);
  await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker, cache);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ state: 'closed', consecutiveFailures: 2 }));
  expect(await admit(deps, 'acme', 'sub_1', breaker, cache)).toEqual(ALLOWED);
  expect(await recordResult(deps, 'acme', 'sub_1', true, GEN, breaker, cache)).toEqual([]);
  expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 0 });
});

test('a stored breaker expires once no attempt has written it for a month: one written after its subscription was deleted is not kept for ever', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const { breaker } = sweepCache(deps).settings;
  // An attempt in flight when the subscription and its breaker were deleted reports its failure.
  await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ consecutiveFailures: 1 }));
  // Each write keeps it a month longer.
  t.clock.advance(20 * DAY);
  await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker);
  t.clock.advance(20 * DAY);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ consecutiveFailures: 2 }));
  t.clock.advance(12 * DAY);
  expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toBeUndefined();
});

/**
 * Outcomes of attempts that went before the breaker last changed state (a request runs up to its
 * 120 s deadline): several workers, each with its own sweep's kept state, on one stored breaker.
 */
test('a late failure while the probe is in flight leaves the stored half-open breaker as it is; the probe decides', async () => {
  const t = testDeps({ deliveries: { timeoutSeconds: 120 } });
  const deps = t.deps as DeliveryDeps;
  const { breaker } = sweepCache(deps).settings;
  // A slow attempt goes on the closed breaker; other workers' failures then open it.
  const slow = await admitted(deps, 'acme', 'sub_1', breaker, sweepCache(deps));
  for (let i = 0; i < breaker.failureThreshold; i++) await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker, sweepCache(deps));
  t.clock.advance(breaker.openForMs);
  const cache = sweepCache(deps);
  const probe = await admitted(deps, 'acme', 'sub_1', breaker, cache);
  const probing = await storedBreaker(deps);
  t.clock.advance(30 * S);
  expect(await recordResult(deps, 'acme', 'sub_1', false, slow, breaker, sweepCache(deps))).toEqual([]);
  expect(await storedBreaker(deps)).toEqual({ ...probing, consecutiveFailures: breaker.failureThreshold + 1 });
  // Still one probe at a time, still the same one.
  expect(await admit(deps, 'acme', 'sub_1', breaker, sweepCache(deps))).toEqual({ allow: false, retryAt: probing.probeStartedAt! + breaker.staleProbeMs });
  expect(await recordResult(deps, 'acme', 'sub_1', false, probe, breaker, cache)).toEqual(['breaker.opened']);
  expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ state: 'open', opens: 2, probeAt: t.clock.now() + 2 * breaker.openForMs }));
});

test('a late success while open or half-open is not the probe: the stored breaker is left as it is, unwritten', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const { breaker } = sweepCache(deps).settings;
  // It went with failures on the breaker, so its end reads the store (a clean kept state would not).
  await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker);
  const late = await admitted(deps, 'acme', 'sub_1', breaker, sweepCache(deps));
  for (let i = 1; i < breaker.failureThreshold; i++) await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker);
  const opened = await deps.store.get(keys.breaker('acme', 'sub_1'));
  expect(await recordResult(deps, 'acme', 'sub_1', true, late, breaker, sweepCache(deps))).toEqual([]);
  // Not even written again: the stored version is the one the opening wrote.
  expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toEqual(opened);
  t.clock.advance(breaker.openForMs);
  const probe = await admitted(deps, 'acme', 'sub_1', breaker);
  const probing = await storedBreaker(deps);
  expect(await recordResult(deps, 'acme', 'sub_1', true, late, breaker, sweepCache(deps))).toEqual([]);
  expect(await storedBreaker(deps)).toEqual(probing);
  expect(await recordResult(deps, 'acme', 'sub_1', true, probe, breaker, sweepCache(deps))).toEqual(['breaker.closed']);
});

test('after the probe closed the breaker, late failures from before it opened do not count towards opening it again', async () => {
  const t = testDeps();
  const deps = t.deps as DeliveryDeps;
  const { breaker } = sweepCache(deps).settings;
  const slow = await Promise.all(Array.from({ length: breaker.failureThreshold }, () => admitted(deps, 'acme', 'sub_1', breaker, sweepCache(deps))));
  for (let i = 0; i < breaker.failureThreshold; i++) await recordResult(deps, 'acme', 'sub_1', false, GEN, breaker);
  t.clock.advance(breaker.openForMs);
  const probe = await admitted(deps, 'acme', 'sub_1', breaker);
  expect(await recordResult(deps, 'acme', 'sub_1', true, probe, breaker)).toEqual(['breaker.closed']);
  const closed = await storedBreaker(deps);
  for (const g of slow) expect(await recordResult(deps, 'acme', 'sub_1', false, g, breaker, sweepCache(deps))).toEqual([]);
  expect(await storedBreaker(deps)).toEqual(closed);
  expect(await admit(deps, 'acme', 'sub_1', breaker, sweepCache(deps))).toEqual({ allow: true, generation: closed.generation });
});

// A new URL or a re-enable restarts the breaker (unpark.ts resetBreaker). Attempts still in flight
// to the old endpoint were admitted before: deleting the breaker put it back at generation 0, the
// one they were admitted in, and their failures counted against the new endpoint.
test('after a restart, failures of attempts admitted before it count for nothing; new ones count', async () => {
  const t = testDeps();
  const { breaker } = deliverySettings(t.deps);
  const before = await admitted(t.deps, 'acme', 'sub_1', breaker);
  expect(await restartBreaker(t.deps, 'acme', 'sub_1', breaker)).toBeUndefined();
  for (let i = 0; i < breaker.failureThreshold; i++) expect(await recordResult(t.deps, 'acme', 'sub_1', false, before, breaker)).toEqual([]);
  const state = JSON.parse((await t.deps.store.get(keys.breaker('acme', 'sub_1')))!.value) as BreakerState;
  expect(state).toEqual({ state: 'closed', consecutiveFailures: 0, generation: 1 });
  const after = await admitted(t.deps, 'acme', 'sub_1', breaker);
  await recordResult(t.deps, 'acme', 'sub_1', false, after, breaker);
  expect(JSON.parse((await t.deps.store.get(keys.breaker('acme', 'sub_1')))!.value)).toMatchObject({ consecutiveFailures: 1, generation: 1 });
  // A restart of an open breaker of generation 4 goes on from it, and answers what it replaced.
  const open: BreakerState = { state: 'open', consecutiveFailures: 9, generation: 4 };
  await t.deps.store.put(keys.breaker('acme', 'sub_1'), JSON.stringify(open));
  expect(await restartBreaker(t.deps, 'acme', 'sub_1', breaker)).toEqual(open);
  expect(JSON.parse((await t.deps.store.get(keys.breaker('acme', 'sub_1')))!.value)).toEqual({ state: 'closed', consecutiveFailures: 0, generation: 5 });
});

/**
 * A success recorded on the breaker a sweep kept clean is noted without a read, and confirmed on
 * the sweep's next read of that breaker or by confirmSuccesses (breaker-store.ts): it then clears
 * failures other workers recorded since the kept state was read, and only those that began before it.
 */
describe('a success recorded on a kept clean breaker', () => {
  function workers() {
    const t = testDeps();
    const deps = t.deps as DeliveryDeps;
    const a = sweepCache(deps);
    const { breaker } = a.settings;
    /** Worker B: one failure, on a sweep of its own. */
    const otherFails = () => recordResult(deps, 'acme', 'sub_1', false, GEN, breaker, sweepCache(deps));
    return { t, deps, a, breaker, otherFails };
  }

  test('clears a failure another worker recorded before it, on the next read (here its own next attempt\'s)', async () => {
    const { t, deps, a, breaker, otherFails } = workers();
    expect(await heldBack(deps, 'acme', 'sub_1', breaker, a)).toBeUndefined();
    const g = await admitted(deps, 'acme', 'sub_1', breaker, a);
    await otherFails();
    t.clock.advance(300);
    expect(await recordResult(deps, 'acme', 'sub_1', true, g, breaker, a)).toEqual([]);
    // Not read yet: the store still has B's failure.
    expect(await storedBreaker(deps)).toEqual(expect.objectContaining({ consecutiveFailures: 1 }));
    // A's next attempt fails: its read takes the success in first, so this failure is the first of a new run.
    t.clock.advance(100);
    await recordResult(deps, 'acme', 'sub_1', false, g, breaker, a);
    expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 1, failingSince: t.clock.now() });
  });

  test('leaves a run of failures that began after it', async () => {
    const { t, deps, a, breaker, otherFails } = workers();
    const g = await admitted(deps, 'acme', 'sub_1', breaker, a);
    expect(await recordResult(deps, 'acme', 'sub_1', true, g, breaker, a)).toEqual([]);
    t.clock.advance(100);
    await otherFails();
    await otherFails();
    const before = await deps.store.get(keys.breaker('acme', 'sub_1'));
    await confirmSuccesses(deps, a, breaker);
    expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toEqual(before);
  });

  test('does not move a breaker that changed state since (another generation): it opened on failures, it stays open', async () => {
    const { t, deps, a, breaker, otherFails } = workers();
    const g = await admitted(deps, 'acme', 'sub_1', breaker, a);
    for (let i = 0; i < breaker.failureThreshold; i++) await otherFails();
    const opened = await deps.store.get(keys.breaker('acme', 'sub_1'));
    t.clock.advance(300);
    expect(await recordResult(deps, 'acme', 'sub_1', true, g, breaker, a)).toEqual([]);
    await confirmSuccesses(deps, a, breaker);
    expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toEqual(opened);
    // Nor one restarted since: the restart's generation starts clean, and its own failures stand.
    await restartBreaker(deps, 'acme', 'sub_1', breaker);
    const b = sweepCache(deps);
    const after = await admitted(deps, 'acme', 'sub_1', breaker, b);
    await recordResult(deps, 'acme', 'sub_1', false, after, breaker, b);
    const failing = await deps.store.get(keys.breaker('acme', 'sub_1'));
    expect(await recordResult(deps, 'acme', 'sub_1', true, g, breaker, a)).toEqual([]);
    await confirmSuccesses(deps, a, breaker);
    expect(await deps.store.get(keys.breaker('acme', 'sub_1'))).toEqual(failing);
  });

  test('is due for confirmation a second after it (MAX_AGE_MS), when the sweep\'s lanes look; all of them at its end', async () => {
    const { t, deps, a, breaker, otherFails } = workers();
    const g = await admitted(deps, 'acme', 'sub_1', breaker, a);
    await otherFails();
    expect(await recordResult(deps, 'acme', 'sub_1', true, g, breaker, a)).toEqual([]);
    const noted = t.clock.now();
    // Nothing due yet: answered at once, without a promise.
    expect(confirmSuccesses(deps, a, breaker, noted - 1)).toBeUndefined();
    await confirmSuccesses(deps, a, breaker, noted);
    expect(await storedBreaker(deps)).toEqual({ state: 'closed', consecutiveFailures: 0 });
    // Confirmed once: nothing left to confirm.
    expect(confirmSuccesses(deps, a, breaker)).toBeUndefined();
  });
});
