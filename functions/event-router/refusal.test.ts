import { runBatch } from '../../shared/batch/runner';
import { ConnectorError } from '../../shared/connectors/errors';
import type { InboundRecord } from '../../shared/contracts';
import { listDeadLetters } from '../../shared/deadletters/store';
import { destinations } from '../../shared/destinations';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { doneTtlSeconds } from './dead-letter';
import { eventRouter } from './handler';
import { routedKey } from './keys';

/**
 * A destination that failed for good (here `connector_outcome_unknown`, what a REST POST or a
 * GraphQL mutation that may have been applied fails with) is not called again when the message
 * comes back: because another destination failed retryably, or as a duplicate copy.
 */
const event: CloudEvent = { specversion: '1.0', id: 'e-r', source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'acme' };
const receive = (n: number, id = 'm-1'): InboundRecord => ({ id, body: JSON.stringify(event), attributes: {}, receiveCount: n, maxReceives: 5 });
const outcomeUnknown = () => new ConnectorError('connector_outcome_unknown', 'cases: POST /api/cases failed after it may have been applied (502)', { connector: 'cases', vendorStatus: 502, outcomeUnknown: true });
const unavailable = () => new ConnectorError('connector_unavailable', 'tickets: 503 Service Unavailable', { connector: 'tickets', vendorStatus: 503 });

/** Routes every finding to `a` (refuses for good) and `b` (fails retryably `bFails` times, then works). */
function refusalSetup(bFails = 1, raw: Record<string, unknown> = {}) {
  const t = testDeps({
    ...raw,
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['a', 'b'] }],
    destinations: { a: { type: 'file', path: '/nonexistent/a.jsonl' }, b: { type: 'file', path: '/nonexistent/b.jsonl' } },
  });
  const calls = { a: 0, b: 0 };
  let bLeft = bFails;
  const all = destinations(t.deps.config);
  all.set('a', async () => {
    calls.a++;
    throw outcomeUnknown();
  });
  all.set('b', async () => {
    calls.b++;
    if (bLeft-- > 0) throw unavailable();
  });
  const run = async (r: InboundRecord) => (await runBatch([r], eventRouter, t.deps))[0]!;
  const kept = async () => (await listDeadLetters(t.deps, 'acme')).items.map((i) => i.record);
  return { ...t, calls, run, kept, all };
}
const refusal = 'a: connector_outcome_unknown: cases: POST /api/cases failed after it may have been applied (502)';

describe('event-router: a destination that refused the event for good', () => {
  test('is called once in all: the redelivery for another destination\'s retryable failure counts its refusal again, and the event ends as a dead letter naming it', async () => {
    const { deps, run, calls, kept } = refusalSetup();
    expect(await run(receive(1))).toMatchObject({ ok: false, error: { code: 'destination_failed', message: 'Delivery failed for: a, b' } });
    const mark = await deps.store.get(routedKey(event, 'a'));
    expect(mark?.value).not.toBe('1');
    expect(mark?.expiresAt).toBe(deps.clock.now() + doneTtlSeconds(deps) * 1000);
    expect(await deps.store.get(routedKey(event, 'b'))).toBeUndefined(); // a retryable failure leaves no mark
    expect(await run(receive(2))).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ a: 1, b: 2 });
    const letters = await kept();
    expect(letters).toHaveLength(1);
    // As if both failures had happened in one receive: the refusal named, `b` took it.
    expect(letters[0]?.reason).toEqual({ code: 'destination_failed', message: refusal });
    expect(await deps.store.get(routedKey(event, 'b'))).toBeDefined();
    expect((await deps.store.get(routedKey(event, 'a')))?.value).toMatch(/^\{"code":"connector_outcome_unknown"/);
  });

  test('at the last receive the dead letter names the earlier refusal beside the retryable failure', async () => {
    const { run, calls, kept } = refusalSetup(Infinity);
    for (let n = 1; n < 5; n++) expect((await run(receive(n))).ok).toBe(false);
    expect(await run(receive(5))).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ a: 1, b: 5 });
    expect((await kept())[0]?.reason).toEqual({
      code: 'destination_failed', message: `Failed on all 5 receives: ${refusal}; b: connector_unavailable: tickets: 503 Service Unavailable`,
    });
  });

  test('a duplicate copy of the message does not call it again; the copy is counted on the same dead letter', async () => {
    const { run, calls, kept } = refusalSetup(0);
    expect(await run(receive(1))).toEqual({ id: 'm-1', ok: true });
    expect(await run(receive(1, 'm-2'))).toEqual({ id: 'm-2', ok: true });
    expect(calls).toEqual({ a: 1, b: 1 });
    const letters = await kept();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: { code: 'destination_failed', message: refusal } });
  });

  test('a copy that read no mark before the refusal was recorded finds the claim held, reads the mark then: not called again', async () => {
    const { deps, run, calls } = refusalSetup(0);
    expect(await run(receive(1))).toEqual({ id: 'm-1', ok: true });
    // The copy's first read of the mark came before the first consumer wrote it (its claim is left to lapse).
    const store = deps.store;
    let stale = 1;
    deps.store = { ...store, get: async (key) => (key.startsWith('routed:') && stale-- > 0 ? undefined : store.get(key)) };
    expect(await run(receive(1, 'm-2'))).toEqual({ id: 'm-2', ok: true });
    expect(calls).toEqual({ a: 1, b: 1 });
  });

  test('a refused mark that cannot be written is a warning, not a record failure: a redelivery then calls the destination again', async () => {
    const { deps, run, calls } = refusalSetup();
    const store = deps.store;
    deps.store = { ...store, put: async (key, value, opts) => {
      if (key.startsWith('routed:') && value !== '1') throw new Error('store unavailable');
      return store.put(key, value, opts);
    } };
    expect(await run(receive(1))).toMatchObject({ ok: false, error: { code: 'destination_failed' } });
    expect(await run(receive(2))).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ a: 2, b: 2 });
  });
});
