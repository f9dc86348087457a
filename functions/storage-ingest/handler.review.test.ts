import { jsonLogger } from '../../shared/log/json-logger';
import { fixtureJson } from '../../test/fixtures';
import { storageIngest } from './handler';
import { ingestDeps, REPORT_FINDINGS, s3NotificationBody, SNS_TOKEN, snsConfirmation, snsEnvelope } from './ingest.testkit';

/**
 * S3 notifications (and EventBridge events from S3) fanned out through an SNS topic to the ingest
 * queue, through the real record handler with real scanner reports, the real parser, in-memory
 * stores and a capturing bus. The SNS envelope is built around the real S3 notification or
 * EventBridge event (ingest.testkit.ts says how); the same path through a real topic and queue is
 * providers/aws/storage-ingest-sns.review.test.ts (fauxqs).
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
const TOPIC = 'arn:aws:sns:us-east-1:246796806071:snsNetTest';
const record = (body: string) => ({ id: 'm1', body, attributes: {} });

/** The S3 notification of the fixture about `key` (URL-encoded as S3 sends it) in bucket xxx. */
function aboutKey(encodedKey: string): string {
  const event = JSON.parse(s3NotificationBody()) as { Records: { s3: { object: { key: string } } }[] };
  event.Records[0]!.s3.object.key = encodedKey;
  return JSON.stringify(event);
}

function setup(config: Record<string, unknown> = {}) {
  const t = ingestDeps(config);
  const lines: Record<string, unknown>[] = [];
  t.deps.logger = jsonLogger({ clock: t.deps.clock, level: 'debug', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const counted: string[] = [];
  t.deps.metrics = { count: (name) => void counted.push(name), timing: () => undefined };
  return { ...t, lines, counted };
}

describe('storage-ingest: S3 notifications through SNS', () => {
  test('the unwrapped notification is ingested like a direct one; a redelivery publishes nothing', async () => {
    const t = setup();
    await t.put('xxx', 'scans/alpine 3.10.json', TRIVY);
    await storageIngest(record(snsEnvelope(aboutKey('scans/alpine+3.10.json'))), t.deps);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    expect(t.findings()[0]).toMatchObject({ source: '//storage/xxx', origin: 'storage:xxx' });
    const count = t.bus.events.length;
    await storageIngest(record(snsEnvelope(aboutKey('scans/alpine+3.10.json'))), t.deps);
    expect(t.bus.events).toHaveLength(count);
  });

  test('an EventBridge S3 Object Created event published to the topic by a rule is ingested like a direct one', async () => {
    const t = setup();
    const event = fixtureJson<{ detail: { object: { key: string } } }>('events/aws-eventbridge-s3-object-created.json');
    event.detail.object.key = 'scans/alpine+3.10.json';
    await t.put('example-bucket', 'scans/alpine 3.10.json', TRIVY);
    await storageIngest(record(snsEnvelope(JSON.stringify(event))), t.deps);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    expect(t.findings()[0]).toMatchObject({ source: '//storage/example-bucket', origin: 'storage:example-bucket' });
  });

  test('the same checks apply: keys outside ingest.prefixes and under the quarantine prefix are skipped unread', async () => {
    const t = setup({ ingest: { prefixes: ['scans/'] } });
    await t.put('xxx', 'other/trivy.json', TRIVY);
    await t.put('xxx', 'quarantine/scans/trivy.json', TRIVY);
    await storageIngest(record(snsEnvelope(aboutKey('other/trivy.json'))), t.deps);
    await storageIngest(record(snsEnvelope(aboutKey('quarantine/scans/trivy.json'))), t.deps);
    expect(t.bus.events).toEqual([]);
    expect(t.lines.filter((l) => l.msg === 'object skipped').map((l) => l.reason)).toEqual(['outside ingest.prefixes', 'under the quarantine prefix']);
  });

  test("S3's test event through the topic is acknowledged and logged with the topic", async () => {
    const t = setup();
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2023-04-12T20:40:00.000Z', Bucket: 'xxx', RequestId: 'R1', HostId: 'H1' };
    await expect(storageIngest(record(snsEnvelope(JSON.stringify(test))), t.deps)).resolves.toBeUndefined();
    expect(t.lines).toEqual([expect.objectContaining({ level: 'info', msg: 'storage notification ignored', reason: 's3:TestEvent', topic: TOPIC })]);
    expect(t.counted).toEqual(['ingest.ignored']);
  });

  test.each([
    ['SubscriptionConfirmation', 'aws sns subscribe'],
    ['UnsubscribeConfirmation', 'subscribe the queue again'],
  ] as const)('an SNS %s is acknowledged with one warning telling the operator what to do, without the token', async (type, hint) => {
    const t = setup();
    await expect(storageIngest(record(snsConfirmation(type)), t.deps)).resolves.toBeUndefined();
    expect(t.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'storage notification ignored: operator action needed', reason: `SNS ${type}`, topic: TOPIC, action: expect.stringContaining(hint) })]);
    expect(JSON.stringify(t.lines)).not.toContain(SNS_TOKEN);
    expect(t.counted).toEqual(['ingest.ignored']);
    expect(t.bus.events).toEqual([]);
  });

  test('an SNS notification whose Message is no S3 event is invalid_event (the queue dead-letters it)', async () => {
    const t = setup();
    await expect(storageIngest(record(snsEnvelope('Hello\r\nworld!')), t.deps)).rejects.toMatchObject({ code: 'invalid_event', retryable: false });
    expect(t.bus.events).toEqual([]);
  });
});
