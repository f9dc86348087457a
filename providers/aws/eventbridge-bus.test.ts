import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventRouter } from '../../functions/event-router/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { listDeadLetters } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { eventBridgeBus } from './bus-eventbridge';
import type { AwsEventBridgeEvent } from './eventbridge';
import { awsEventBridgeBus, busRecord } from './eventbridge-bus';

/**
 * The router behind an EventBridge rule. The envelope is the real one from the fixtures
 * (aws-eventbridge-base, ../shared/fixtures/SOURCES.md) with source, detail-type and detail
 * taken from the entry eventBridgeBus put, as EventBridge builds it.
 */
const base = fixtureJson<AwsEventBridgeEvent>('events/aws-eventbridge-base.json');
const delivered = (entry: PutEventsRequestEntry): AwsEventBridgeEvent =>
  ({ ...base, source: entry.Source!, 'detail-type': entry.DetailType!, detail: JSON.parse(entry.Detail!) as unknown });

const event: CloudEvent = {
  specversion: '1.0', id: 'evt-1', source: 'secorch://webhook/github', type: 'secorch.finding.created', time: '2026-01-01T00:00:00Z', tenant: 'default',
  data: { title: 'Zażółć gęślą jaźń' },
};

async function putEntry(e: CloudEvent): Promise<PutEventsRequestEntry> {
  const sent: PutEventsCommand[] = [];
  const client = { send: async (c: PutEventsCommand) => (sent.push(c), { FailedEntryCount: 0, Entries: [{ EventId: 'x' }] }) } as unknown as EventBridgeClient;
  await eventBridgeBus({ busName: 'secorch', client }).publish(e);
  return sent[0]!.input.Entries![0]!;
}

function recorder(fail?: () => unknown) {
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (r) => {
    seen.push(r);
    const e = fail?.();
    if (e) throw e;
  };
  return { seen, handler };
}

describe('awsEventBridgeBus (router trigger on an EventBridge bus)', () => {
  test('an event published with eventBridgeBus reaches the routed destination unchanged', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'eb-bus-')), 'all.jsonl');
    const { deps } = testDeps({ routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['all'] }], destinations: { all: { type: 'file', path: out } } });
    await expect(awsEventBridgeBus(eventRouter, async () => deps)(delivered(await putEntry(event)))).resolves.toBeUndefined();
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([event]);
  });

  test('the record: EventBridge id, the detail as body, source/detail-type/time as attributes', async () => {
    const { seen, handler } = recorder();
    await awsEventBridgeBus(handler, async () => testDeps().deps)(delivered(await putEntry(event)));
    expect(seen).toEqual([{
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      body: JSON.stringify(event),
      attributes: { source: 'secorch', 'detail-type': 'secorch.finding.created', time: '2017-12-22T18:43:48Z' },
    }]);
  });

  test('the record carries when Lambda ends the invocation, from the context: the router\'s claims last no longer', async () => {
    const { seen, handler } = recorder();
    const { deps } = testDeps();
    await awsEventBridgeBus(handler, async () => deps)(delivered(await putEntry(event)), { getRemainingTimeInMillis: () => 29_500 });
    expect(seen.map((r) => r.deadline)).toEqual([deps.clock.now() + 29_500]);
  });

  test('a failing record is thrown (Lambda retries, then the on-failure destination), code intact', async () => {
    const { handler } = recorder(() => new AppError('destination_failed', 'Delivery failed for: x', { status: 502, retryable: true }));
    await expect(awsEventBridgeBus(handler, async () => testDeps().deps)(delivered(await putEntry(event)))).rejects.toMatchObject({ code: 'destination_failed' });
    const unexpected = recorder(() => new Error('boom'));
    await expect(awsEventBridgeBus(unexpected.handler, async () => testDeps().deps)(base)).rejects.toMatchObject({ code: 'internal_error' });
  });

  test('an event without a CloudEvent detail is kept by the router as an invalid_event dead letter', async () => {
    const { deps } = testDeps();
    const { detail: _d, ...bare } = base as unknown as Record<string, unknown>;
    expect(busRecord(bare as unknown as AwsEventBridgeEvent).body).toBe('null');
    await expect(awsEventBridgeBus(eventRouter, async () => deps)(bare as unknown as AwsEventBridgeEvent)).resolves.toBeUndefined();
    const { items } = await listDeadLetters(deps, 'default');
    expect(items.map((i) => i.record)).toEqual([expect.objectContaining({ kind: 'event', body: 'null', reason: expect.objectContaining({ code: 'invalid_event' }) })]);
  });

  test('not an object at all still becomes a record', () => {
    expect(busRecord(null as unknown as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: 'null', attributes: {} });
  });
});
