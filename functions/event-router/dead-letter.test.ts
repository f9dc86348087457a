import { runBatch } from '../../shared/batch/runner';
import { ConnectorError } from '../../shared/connectors/errors';
import type { InboundRecord } from '../../shared/contracts';
import { listDeadLetters } from '../../shared/deadletters/store';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { claimKey, routedKey } from './keys';
import { doneTtlSeconds, lastReceive } from './dead-letter';
import { eventRouter } from './handler';

/**
 * The router at the last receive its queue allows before the platform's own dead-letter queue (an
 * SQS DLQ, the Storage queue's poison queue, a dead-letter topic, the local dead-letter table),
 * none of which /dead-letters can list or replay: a failure it would throw is kept as an inbound
 * dead letter there instead, and the record acknowledged.
 */
const event: CloudEvent = { specversion: '1.0', id: 'e-1', source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'acme' };
/** Receive `n` of a queue allowing `max` (null: not known). */
const receive = (n: number, max: number | null = 5, extra: Partial<InboundRecord> = {}): InboundRecord =>
  ({ id: 'm-1', body: JSON.stringify(event), attributes: {}, receiveCount: n, ...(max === null ? {} : { maxReceives: max }), ...extra });
const unavailable = () => new ConnectorError('connector_unavailable', 'jira: 503 Service Unavailable', { connector: 'jira', vendorStatus: 503 });

/** Routes every finding to `took` (which works) and `down` (which fails with `error()`), counting calls. */
function setup(error: () => unknown = unavailable) {
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['took', 'down'] }],
    destinations: { took: { type: 'file', path: '/nonexistent/took.jsonl' }, down: { type: 'file', path: '/nonexistent/down.jsonl' } },
  });
  const calls = { took: 0, down: 0 };
  const all = destinations(t.deps.config);
  all.set('took', async () => void calls.took++);
  all.set('down', async () => {
    calls.down++;
    throw error();
  });
  const run = async (r: InboundRecord) => (await runBatch([r], eventRouter, t.deps))[0]!;
  const kept = async () => (await listDeadLetters(t.deps, 'acme')).items.map((i) => i.record);
  return { ...t, calls, run, kept };
}

describe('event-router at the last receive', () => {
  test('a destination failing retryably fails receives 1 to 4; at receive 5 of 5 the event is kept as a dead letter and acknowledged', async () => {
    const { run, calls, kept } = setup();
    for (let n = 1; n < 5; n++) expect(await run(receive(n))).toMatchObject({ ok: false, error: { code: 'destination_failed' } });
    expect(await kept()).toEqual([]);
    expect(await run(receive(5))).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ took: 1, down: 5 });
    const letters = await kept();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      kind: 'event', tenant: 'acme', body: JSON.stringify(event), failures: 1,
      reason: { code: 'destination_failed', message: 'Failed on all 5 receives: down: connector_unavailable: jira: 503 Service Unavailable' },
    });
  });

  test('a destination that took the event on receive 1 is not called again, and its mark is renewed with the dead letter', async () => {
    const { deps, clock, run, calls } = setup();
    expect((await run(receive(1))).ok).toBe(false);
    const first = await deps.store.get(routedKey(event, 'took'));
    clock.advance(3 * 24 * 3600 * 1000); // an SQS redelivery can come days later
    expect((await run(receive(5))).ok).toBe(true);
    expect(calls.took).toBe(1);
    const renewed = await deps.store.get(routedKey(event, 'took'));
    expect(renewed?.expiresAt).toBe(clock.now() + doneTtlSeconds(deps) * 1000);
    expect(renewed!.expiresAt!).toBeGreaterThan(first!.expiresAt!);
    expect(await deps.store.get(routedKey(event, 'down'))).toBeUndefined();
  });

  test('an unexpected error is named as the record failure it would have been, without its message', async () => {
    const { run, kept } = setup(() => new Error('ECONNRESET at 10.0.0.7'));
    expect((await run(receive(5))).ok).toBe(true);
    expect((await kept())[0]?.reason).toEqual({ code: 'destination_failed', message: 'Failed on all 5 receives: down: internal_error: Internal error' });
  });

  test('a fan-out that fails at the last receive is kept with its own code, naming it; the routes took the event', async () => {
    const { deps, run, calls, kept } = setup();
    destinations(deps.config).set('down', async () => undefined);
    await seedSubscription(deps, { url: 'https://hooks.example.com/a', tenant: 'acme' });
    const store = deps.store;
    deps.store = { ...store, put: async (key, value, opts) => {
      if (key.startsWith('evt:')) throw new AppError('store_value_too_large', 'the event is over the store\'s item limit', { status: 413, retryable: false });
      return store.put(key, value, opts);
    } };
    expect(await run(receive(4))).toMatchObject({ ok: false, error: { code: 'store_value_too_large' } });
    expect(await run(receive(5))).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ took: 1, down: 0 });
    expect((await kept())[0]?.reason).toEqual({
      code: 'store_value_too_large', message: 'Failed on all 5 receives: fan-out to subscriptions: store_value_too_large: the event is over the store\'s item limit',
    });
  });

  test('a destination another consumer is calling at the last receive still fails the record: that copy is being worked on', async () => {
    const { deps, run, calls, kept } = setup();
    destinations(deps.config).set('down', async () => undefined);
    // Below the receive at which a claim is taken over (claim.ts), as with a queue allowing three.
    await deps.store.put(claimKey(event, 'down'), JSON.stringify({ messageId: 'm-1', since: deps.clock.now() }), { ttlSeconds: 300 });
    expect(await run(receive(3, 3))).toMatchObject({ ok: false, error: { code: 'destination_in_progress' } });
    expect(calls).toEqual({ took: 1, down: 0 });
    expect(await kept()).toEqual([]);
    // And beside a failing destination: the failure is thrown, nothing kept.
    destinations(deps.config).set('took', async () => Promise.reject(unavailable()));
    await Promise.all([deps.store.delete(routedKey(event, 'took')), deps.store.delete(claimKey(event, 'took'))]);
    expect(await run(receive(3, 3))).toMatchObject({ ok: false, error: { code: 'destination_failed', message: expect.stringContaining('another consumer') } });
    expect(await kept()).toEqual([]);
  });

  test('when the dead letter cannot be kept, the original failure is thrown: the platform\'s queue stays the last resort', async () => {
    const { deps, run } = setup();
    const store = deps.store;
    deps.store = { ...store, put: async (key, value, opts) => {
      if (key.startsWith('dlq')) throw new Error('store down');
      return store.put(key, value, opts);
    } };
    expect(await run(receive(5))).toMatchObject({ ok: false, error: { code: 'destination_failed', message: 'Delivery failed for: down' } });
  });

  test('an unknown receive count or limit, or a receive before the last, fails as before', async () => {
    const { run, kept } = setup();
    expect((await run(receive(5, null))).ok).toBe(false);
    expect((await run({ ...receive(1), receiveCount: undefined })).ok).toBe(false);
    expect((await run(receive(9, 10))).ok).toBe(false);
    expect(await kept()).toEqual([]);
    expect((await run(receive(11, 10))).ok).toBe(true); // past the limit (a count the platform overshot) is the last too
  });
});

describe('lastReceive', () => {
  const waiting = (ms: number) => new AppError('destination_failed', 'x', { status: 502, retryable: true, extra: { retryAfterMs: ms } });
  const plain = new AppError('destination_failed', 'x', { status: 502, retryable: true });

  test('the receive count reaching the limit, both known', () => {
    expect(lastReceive(receive(5), plain)).toBe(true);
    expect(lastReceive(receive(4), plain)).toBe(false);
    expect(lastReceive(receive(5, null), plain)).toBe(false);
  });

  test('not for a failure the adapter sends back delayed (minDeferredWaitMs): the message is not at its end', () => {
    const deferring = receive(5, 5, { minDeferredWaitMs: 100 });
    expect(lastReceive(deferring, waiting(30_000))).toBe(false);
    expect(lastReceive(deferring, waiting(50))).toBe(true); // too short to be deferred
    expect(lastReceive(deferring, plain)).toBe(true);
    expect(lastReceive(deferring, new AppError('store_value_too_large', 'x', { status: 413, retryable: false, extra: { retryAfterMs: 30_000 } }))).toBe(true);
    expect(lastReceive(receive(5), waiting(30_000))).toBe(true);
  });
});
