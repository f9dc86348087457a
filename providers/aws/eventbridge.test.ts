import { cloudFindings } from '../../functions/cloud-findings/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { GD_ARN, guardDutyAsff, importedEvent, trivySecrets } from '../../shared/mappers/aws/fixtures.testkit';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { listDeadLetters } from '../../shared/deadletters/store';
import { ATTEMPTS_TTL_SECONDS, type AwsEventBridgeEvent, attemptsKey, awsEventBridge, EVENTBRIDGE_MAX_ATTEMPTS, toInboundRecord } from './eventbridge';

// The real GuardDuty ASFF finding in the powertools EventBridge envelope as a "Security Hub
// Findings - Imported" event (../shared/fixtures/SOURCES.md), through the Lambda handler.
const event = (findings?: unknown[]) => importedEvent(findings) as unknown as AwsEventBridgeEvent;
const setup = () => {
  const t = testDeps();
  return { ...t, handler: awsEventBridge(cloudFindings, async () => t.deps, { maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS }) };
};

describe('awsEventBridge + cloud-findings', () => {
  test('the event is published as CloudEvents on the bus; a redelivery yields the same ids', async () => {
    const { handler, bus } = setup();
    await expect(handler(event())).resolves.toBeUndefined();
    expect(bus.events).toEqual([expect.objectContaining({ source: 'aws.securityhub', subject: GD_ARN, type: 'secorch.finding.updated', origin: 'eventbridge:aws.securityhub', tenant: 'default' })]);
    await handler(event());
    expect(bus.events).toHaveLength(2);
    expect(bus.events[1]!.id).toBe(bus.events[0]!.id);
  });

  test('an event with several findings publishes one per finding, in order', async () => {
    const { handler, bus } = setup();
    await handler(event([guardDutyAsff(), trivySecrets()[0]]));
    expect(bus.events.map((e) => (e.data as { class_uid: number }).class_uid)).toEqual([2004, 2004]);
    expect(bus.events.map((e) => e.subject)).toEqual([GD_ARN, expect.stringContaining('/123456789012/deploy.sh')]);
  });

  test('an invalid envelope is kept as an eventbridge dead letter and the invocation succeeds: no retry would mend it', async () => {
    const { handler, bus, deps } = setup();
    const broken = { ...event(), detail: null } as unknown as AwsEventBridgeEvent;
    await expect(handler(broken)).resolves.toBeUndefined();
    await expect(handler('not an event' as unknown as AwsEventBridgeEvent)).resolves.toBeUndefined();
    expect(bus.events).toEqual([]);
    const kept = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
    expect(kept).toHaveLength(2);
    expect(kept).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'eventbridge', body: JSON.stringify(broken), reason: expect.objectContaining({ code: 'invalid_event' }) }),
      expect.objectContaining({ kind: 'eventbridge', body: '"not an event"', reason: expect.objectContaining({ code: 'invalid_event' }) }),
    ]));
  });

  test('a failing publish throws (retry) before the last attempt; other detail-types succeed without publishing', async () => {
    const { handler, bus } = setup();
    bus.failNext();
    await expect(handler(event())).rejects.toMatchObject({ code: 'internal_error' });
    await expect(handler(fixtureJson('events/aws-eventbridge-base.json'))).resolves.toBeUndefined();
    expect(bus.events).toEqual([]);
  });
});

describe('attempt count', () => {
  test('each invocation with an event id is counted in the state store (a day): Lambda\'s retries and an EventBridge redelivery count on', async () => {
    const { deps, clock } = testDeps();
    const seen: (number | undefined)[] = [];
    const handler = awsEventBridge(async (r) => void seen.push(r.receiveCount), async () => deps, { maxAttempts: 3 });
    const base = fixtureJson<AwsEventBridgeEvent>('events/aws-eventbridge-base.json');
    for (let i = 0; i < 3; i++) await handler(base);
    await handler({ ...base, id: 'another-event' });
    await handler({ ...base, id: '' });
    expect(seen).toEqual([1, 2, 3, 1, undefined]);
    // Counted only when asked (storage-ingest's EventBridge trigger is not).
    const uncounted: (number | undefined)[] = [];
    await awsEventBridge(async (r) => void uncounted.push(r.receiveCount), async () => deps)(base);
    expect(uncounted).toEqual([undefined]);
    const item = await deps.store.get(attemptsKey(base.id));
    expect(item?.value).toBe('3');
    expect(item?.expiresAt).toBe(clock.now() + ATTEMPTS_TTL_SECONDS * 1000);
    expect(EVENTBRIDGE_MAX_ATTEMPTS).toBe(3);
  });

  test('a count that cannot be written leaves the record without one', async () => {
    const { deps } = testDeps();
    deps.store.put = () => Promise.reject(new Error('store down (test)'));
    const seen: InboundRecord[] = [];
    await awsEventBridge(async (r) => void seen.push(r), async () => deps, { maxAttempts: 3 })(fixtureJson<AwsEventBridgeEvent>('events/aws-eventbridge-base.json'));
    expect(seen[0]).not.toHaveProperty('receiveCount');
    expect(seen[0]).not.toHaveProperty('maxReceives');
  });
});

describe('toInboundRecord', () => {
  test('id is the EventBridge id, body the whole event as JSON, routing fields as attributes', async () => {
    const base = fixtureJson<AwsEventBridgeEvent>('events/aws-eventbridge-base.json');
    const seen: InboundRecord[] = [];
    const handler: RecordHandler = async (r) => void seen.push(r);
    await awsEventBridge(handler, async () => testDeps().deps, { maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS })(base);
    expect(seen).toEqual([{
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      body: JSON.stringify(base),
      attributes: { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', account: '111122223333', region: 'us-west-1' },
      receiveCount: 1,
      maxReceives: EVENTBRIDGE_MAX_ATTEMPTS,
    }]);
    expect(JSON.parse(seen[0]!.body)).toEqual(base);
  });

  test('events without an id or not objects still become a record', () => {
    expect(toInboundRecord({} as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: '{}', attributes: {} });
    expect(toInboundRecord(null as unknown as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: 'null', attributes: {} });
    expect(toInboundRecord(undefined as unknown as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: 'null', attributes: {} });
  });
});
