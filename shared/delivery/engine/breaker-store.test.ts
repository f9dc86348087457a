import { testDeps } from '../../../test/deps';
import { keys } from '../keys';
import { admit, recordResult } from './breaker-store';
import { deliverySettings } from './deps';

/**
 * The stored breaker as the engine's settings configure it (injected clock, memory store). The
 * half-open probe is one attempt at a time for as long as that attempt can still be in flight:
 * the request deadline is configurable (deliveries.timeoutSeconds, up to 120 s), so a probe may
 * not be presumed lost before its own deadline has passed.
 */
const S = 1000;

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
