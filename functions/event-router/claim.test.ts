import { type RecordOutcome, failedIds, runBatch } from '../../shared/batch/runner';
import { redeliveryDelayMs } from '../../shared/contracts';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Deps, Metrics } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { CLAIM_TTL_SECONDS } from './claim';
import { eventRouter } from './handler';
import { claimKey, routedKey } from './keys';

/**
 * Two consumers holding the same message at once (a queue redelivering it after its visibility
 * timeout or lease lapsed while the first consumer still works, or a duplicate Pub/Sub delivery)
 * call a destination once: the call is claimed in the state store they share.
 */
const event = (id: string, extra: Record<string, unknown> = {}): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'default', ...extra,
});
const record = (e: CloudEvent) => ({ id: `msg-${e.id}`, body: JSON.stringify(e), attributes: {} });

/** A destination whose calls wait until `finish` is called; `calls` counts them. */
function slowDestination(deps: Deps, name: string) {
  const state = { calls: 0, fail: undefined as unknown, finish: () => undefined as void };
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  state.finish = () => opened();
  destinations(deps.config).set(name, async () => {
    state.calls += 1;
    await gate;
    if (state.fail !== undefined) throw state.fail;
  });
  return state;
}

function setup() {
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['slow'] }],
    destinations: { slow: { type: 'file', path: '/nonexistent/unused.jsonl' } },
  });
  const counted: [string, Record<string, string> | undefined][] = [];
  const metrics: Metrics = { count: (name, _v, tags) => void counted.push([name, tags]), timing: () => undefined };
  // Two consumers: each its own deps object (as two function instances build theirs), one store.
  const a: Deps = { ...t.deps, metrics };
  const b: Deps = { ...t.deps, metrics };
  return { ...t, a, b, counted, slow: slowDestination(t.deps, 'slow') };
}

const flush = () => new Promise((r) => setImmediate(r));
/** Resolves once `done` holds (checked between turns of the event loop). */
const until = async (done: () => boolean) => {
  while (!done()) await flush();
};

/**
 * The second consumer, run while the first is inside the destination call. It resolves with the
 * second's outcome, or fails at once when the second calls the destination too (which would
 * otherwise wait on the held call for ever).
 */
async function secondWhileHeld(slow: { calls: number }, run: () => Promise<RecordOutcome[]>): Promise<RecordOutcome> {
  const racing = run();
  let settled = false;
  void racing.then(() => (settled = true));
  await until(() => settled || slow.calls > 1);
  expect(slow.calls).toBe(1);
  return (await racing)[0]!;
}

test('two consumers of one message at the same time call a slow destination once; the second asks to come back after the claim', async () => {
  const { a, b, counted, slow } = setup();
  const e = event('1');
  const first = runBatch([record(e)], eventRouter, a);
  await until(() => slow.calls === 1);
  // The first consumer is inside the destination call: the same message reaches a second one.
  const second = await secondWhileHeld(slow, () => runBatch([record(e)], eventRouter, b));
  expect(second).toMatchObject({ ok: false, error: { code: 'destination_in_progress', retryable: true } });
  const wait = redeliveryDelayMs(!second.ok && second.error);
  expect(wait).toBe(CLAIM_TTL_SECONDS * 1000);
  expect(counted).toContainEqual(['router.claim_held', { destination: 'slow' }]);

  slow.finish();
  expect(failedIds(await first)).toEqual([]);
  // The second consumer's redelivery: the destination has the event (its mark), nothing is repeated.
  expect(failedIds(await runBatch([record(e)], eventRouter, b))).toEqual([]);
  expect(slow.calls).toBe(1);
});

test('a claim given up after a failure lets the redelivery call the destination at once', async () => {
  const { a, b, slow, deps } = setup();
  const e = event('2');
  slow.fail = new AppError('connector_unavailable', 'vendor down', { status: 503, retryable: true });
  slow.finish();
  expect(failedIds(await runBatch([record(e)], eventRouter, a))).toEqual(['msg-2']);
  expect(await deps.store.get(claimKey(e, 'slow'))).toBeUndefined();
  slow.fail = undefined;
  expect(failedIds(await runBatch([record(e)], eventRouter, b))).toEqual([]);
  expect(slow.calls).toBe(2);
  expect(await deps.store.get(routedKey(e, 'slow'))).toBeDefined();
});

test('the claim of a consumer that died while calling lapses: the destination gets the event after CLAIM_TTL_SECONDS, not never', async () => {
  const { a, b, slow, clock } = setup();
  const e = event('3');
  void runBatch([record(e)], eventRouter, a); // never finishes: the consumer died in the call
  await until(() => slow.calls === 1);
  const held = await secondWhileHeld(slow, () => runBatch([record(e)], eventRouter, b));
  expect(held).toMatchObject({ ok: false, error: { code: 'destination_in_progress' } });
  clock.advance(CLAIM_TTL_SECONDS * 1000 - 1);
  const [still] = await runBatch([record(e)], eventRouter, b);
  expect(redeliveryDelayMs(!still!.ok && still!.error)).toBe(1000); // at least a second, never 0
  expect(slow.calls).toBe(1);
  clock.advance(1);
  const taken = runBatch([record(e)], eventRouter, b);
  await until(() => slow.calls === 2);
  slow.finish();
  expect(failedIds(await taken)).toEqual([]);
  expect(slow.calls).toBe(2);
});

test('a record with a deadline (a Lambda invocation) is claimed only until then: Lambda\'s retry of a router that timed out calls the destination, not the on-failure destination', async () => {
  const { a, b, slow, clock } = setup();
  const e = event('3d');
  // The router's Lambda has 30 s; it dies in the call (the timeout), leaving its claim behind.
  void runBatch([{ ...record(e), deadline: clock.now() + 30_000 }], eventRouter, a);
  await until(() => slow.calls === 1);
  const held = await secondWhileHeld(slow, () => runBatch([{ ...record(e), deadline: clock.now() + 30_000 }], eventRouter, b));
  expect(redeliveryDelayMs(!held.ok && held.error)).toBe(40_000); // the deadline and a 10 s margin, not CLAIM_TTL_SECONDS
  // Lambda retries an asynchronous invocation about a minute later.
  clock.advance(60_000);
  const retried = runBatch([{ ...record(e), deadline: clock.now() + 30_000 }], eventRouter, b);
  await until(() => slow.calls === 2);
  slow.finish();
  expect(failedIds(await retried)).toEqual([]);
});

test('from the fourth receive on, a held claim is taken over: where the queue cannot wait it out, the event is not dead-lettered for it', async () => {
  const { a, b, counted, slow } = setup();
  const e = event('5');
  void runBatch([record(e)], eventRouter, a); // died in the call; Service Bus redelivers the message at once
  await until(() => slow.calls === 1);
  const receive = (receiveCount: number) => runBatch([{ ...record(e), receiveCount }], eventRouter, b);
  for (const n of [2, 3]) expect(await secondWhileHeld(slow, () => receive(n))).toMatchObject({ ok: false, error: { code: 'destination_in_progress' } });
  const fourth = receive(4);
  await until(() => slow.calls === 2);
  slow.finish();
  expect(failedIds(await fourth)).toEqual([]);
  expect(counted).toContainEqual(['router.claim_taken_over', { destination: 'slow' }]);
});

test('a failure beside a destination claimed elsewhere asks for the longer of their waits', async () => {
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['slow', 'limited'] }],
    destinations: { slow: { type: 'file', path: '/nonexistent/a.jsonl' }, limited: { type: 'file', path: '/nonexistent/b.jsonl' } },
  });
  const slow = slowDestination(t.deps, 'slow');
  // A vendor 429 whose Retry-After was beyond the connector's own budget (shared/connectors/send.ts).
  destinations(t.deps.config).set('limited', async () => Promise.reject(new AppError('connector_rate_limited', 'slow down', {
    status: 503, retryable: true, extra: { connector: 'limited', retryAfterMs: 42_000 },
  })));
  const e = event('4');
  const first = runBatch([record(e)], eventRouter, t.deps);
  await until(() => slow.calls === 1);
  t.clock.advance(CLAIM_TTL_SECONDS * 1000 - 10_000);
  const second = await secondWhileHeld(slow, () => runBatch([record(e)], eventRouter, t.deps));
  expect(second).toMatchObject({ ok: false, error: { code: 'destination_failed', message: expect.stringContaining('another consumer to: slow') } });
  expect(redeliveryDelayMs(!second.ok && second.error)).toBe(42_000);
  slow.finish();
  const [done] = await first;
  // The first consumer: 'slow' took it, 'limited' asked for 42 s.
  expect(redeliveryDelayMs(!done!.ok && done!.error)).toBe(42_000);
  expect(slow.calls).toBe(1);
});

test('claim keys follow the mark\'s rules: tenant first, long parts as digests, within 512 bytes', () => {
  const long = event(`urn:scan:${'x'.repeat(3000)}`, { source: `/s/${'y'.repeat(3000)}`, tenant: 'T'.repeat(128) });
  const key = claimKey(long, `destination with spaces and ${'z'.repeat(500)}`);
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(512);
  expect(key.startsWith(`routing:${'T'.repeat(128)}:~`)).toBe(true);
  expect(claimKey(event('1', { tenant: 'acme' }), 'd')).not.toBe(claimKey(event('1', { tenant: 'globex' }), 'd'));
  expect(claimKey(event('1'), 'd').slice('routing'.length)).toBe(routedKey(event('1'), 'd').slice('routed'.length));
});
