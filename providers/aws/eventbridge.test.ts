import { cloudFindings } from '../../functions/cloud-findings/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import { GD_ARN, guardDutyAsff, importedEvent, trivySecrets } from '../../shared/mappers/aws/fixtures.testkit';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { type AwsEventBridgeEvent, awsEventBridge, toInboundRecord } from './eventbridge';

// The real GuardDuty ASFF finding in the powertools EventBridge envelope as a "Security Hub
// Findings - Imported" event (../shared/fixtures/SOURCES.md), through the Lambda handler.
const event = (findings?: unknown[]) => importedEvent(findings) as unknown as AwsEventBridgeEvent;
const setup = () => {
  const t = testDeps();
  return { ...t, handler: awsEventBridge(cloudFindings, async () => t.deps) };
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

  test('an invalid envelope throws invalid_event, so Lambda retries it and keeps it in the DLQ', async () => {
    const { handler, bus } = setup();
    const broken = { ...event(), detail: null } as unknown as AwsEventBridgeEvent;
    const err = await handler(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('invalid_event');
    await expect(handler('not an event' as unknown as AwsEventBridgeEvent)).rejects.toMatchObject({ code: 'invalid_event' });
    expect(bus.events).toEqual([]);
  });

  test('a failing publish throws (retry); other detail-types succeed without publishing', async () => {
    const { handler, bus } = setup();
    bus.failNext();
    await expect(handler(event())).rejects.toMatchObject({ code: 'internal_error' });
    await expect(handler(fixtureJson('events/aws-eventbridge-base.json'))).resolves.toBeUndefined();
    expect(bus.events).toEqual([]);
  });
});

describe('toInboundRecord', () => {
  test('id is the EventBridge id, body the whole event as JSON, routing fields as attributes', async () => {
    const base = fixtureJson<AwsEventBridgeEvent>('events/aws-eventbridge-base.json');
    const seen: InboundRecord[] = [];
    const handler: RecordHandler = async (r) => void seen.push(r);
    await awsEventBridge(handler, async () => testDeps().deps)(base);
    expect(seen).toEqual([{
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      body: JSON.stringify(base),
      attributes: { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', account: '111122223333', region: 'us-west-1' },
    }]);
    expect(JSON.parse(seen[0]!.body)).toEqual(base);
  });

  test('events without an id or not objects still become a record', () => {
    expect(toInboundRecord({} as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: '{}', attributes: {} });
    expect(toInboundRecord(null as unknown as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: 'null', attributes: {} });
    expect(toInboundRecord(undefined as unknown as AwsEventBridgeEvent)).toEqual({ id: 'unknown', body: 'null', attributes: {} });
  });
});
