import { testDeps } from '../../../test/deps';
import type { DeliveryClient } from '../../http/delivery-client';
import type { Attempt, Delivery, Subscription } from '../model';
import type { DeliveryDeps } from './deps';
import { OPS_TYPES } from './ops-events';
import { settle } from './settle';
import { sweepCache } from './sweep-cache';

/**
 * settle() on a delivery's successive attempts, the record each one writes read by the next, as
 * the engine does; a delivered event sent again (POST /deliveries/{id}/retry) is its record made
 * pending again with its attempts kept. `secorch.system.delivery.failing` is about a run of
 * failed attempts: after the 4th in a row, not after the 4th attempt.
 */
function delivery(config: Record<string, unknown> = {}) {
  const t = testDeps(config);
  const deps: DeliveryDeps = { ...t.deps, outbound: {} as DeliveryClient, random: () => 0.5 };
  const cache = sweepCache(deps);
  const at = new Date(t.clock.now()).toISOString();
  const sub: Subscription = { id: 'sub_1', tenant: 'default', url: 'https://hooks.example.com/x', enabled: true, createdAt: at, updatedAt: at, secrets: [] };
  let record: Delivery = {
    id: 'msg_1', tenant: 'default', subscriptionId: sub.id, eventId: 'e1', eventSource: 'test', eventType: 'com.example.t',
    status: 'pending', attempts: [], nextAttemptAt: at, createdAt: at, updatedAt: at,
  };
  /** One attempt answered `status`; the failing notices published so far, by attempt count. */
  const attempt = async (status: number) => {
    const a: Attempt = { n: record.attempts.length + 1, at: new Date(t.clock.now()).toISOString(), status, durationMs: 1 };
    const owned = { record, save: async (next: Delivery) => ((record = next), true) };
    await settle(deps, { owned, sub, attempt: a, result: { kind: 'response', status, retryAfter: null }, cache, generation: 0 });
    t.clock.advance(60_000);
  };
  const resend = () => void (record = { ...record, status: 'pending', nextAttemptAt: new Date(t.clock.now()).toISOString() });
  const failing = () => t.bus.events.filter((e) => e.type === OPS_TYPES.deliveryFailing).map((e) => (e.data as { attempts: number }).attempts);
  const failed = () => t.bus.events.filter((e) => e.type === OPS_TYPES.deliveryFailed).map((e) => (e.data as { attempts: number }).attempts);
  return { attempt, resend, failing, failed, record: () => record };
}

test('a delivered event resent and failing is noticed after its 4th failed attempt in a row, not after its 4th attempt', async () => {
  const d = delivery();
  await d.attempt(204);
  expect(d.record().status).toBe('succeeded');
  d.resend();
  for (let i = 0; i < 3; i++) await d.attempt(500);
  // Attempts [204, 500, 500, 500]: three failures, no notice yet.
  expect(d.failing()).toEqual([]);
  await d.attempt(500);
  expect(d.failing()).toEqual([5]);
  await d.attempt(500);
  expect(d.failing()).toEqual([5]);
  expect(d.record().status).toBe('pending');
});

test('failed 3 times, delivered, then resent: the new run of failures is noticed once it reaches 4', async () => {
  // Twelve attempts: the 4th failure of the second run (attempt 8) is not the last.
  const d = delivery({ deliveries: { retry: { schedule: Array.from({ length: 12 }, () => 1000), jitter: 0 } } });
  for (let i = 0; i < 3; i++) await d.attempt(503);
  await d.attempt(200);
  expect([d.record().status, d.failing()]).toEqual(['succeeded', []]);
  d.resend();
  for (let i = 0; i < 3; i++) await d.attempt(500);
  expect(d.failing()).toEqual([]);
  await d.attempt(500);
  expect(d.failing()).toEqual([8]);
  await d.attempt(500);
  expect(d.failing()).toEqual([8]);
});

test('a 4th failure in a row that is the delivery\'s last attempt is noticed as delivery.failed, not failing', async () => {
  // The default schedule makes 8 attempts: here the 8th is the 4th failure after the success.
  const d = delivery();
  for (let i = 0; i < 3; i++) await d.attempt(503);
  await d.attempt(200);
  d.resend();
  for (let i = 0; i < 4; i++) await d.attempt(500);
  expect(d.record().status).toBe('failed');
  expect(d.failing()).toEqual([]);
  expect(d.failed()).toEqual([8]);
});
