import type { EventBridgeEvent, S3Event, SQSEvent } from 'aws-lambda';
import { storageIngest } from '../../functions/storage-ingest/handler';
import { EMPTY_SARIF, INVALID_SARIF, ingestDeps, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { AppError } from '../../shared/errors';
import { fixtureJson } from '../../test/fixtures';
import { awsStorageEvents } from './storage-events';

/**
 * The real S3 trigger events (../shared/fixtures/events, from aws-lambda-go and aws-powertools)
 * through the Lambda handler, with real scanner reports stored under the bucket and key each
 * event names, the real parser, an in-memory object and state store, and a capturing bus.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
const SARIF = 'scanner/codeql-action-valid-sarif.sarif';
const s3Event = () => fixtureJson<S3Event>('events/aws-s3-objectcreated-put.json');
const sqsEvent = () => fixtureJson<SQSEvent>('events/aws-sqs-wrapping-s3-notification.json');
const ebEvent = () => fixtureJson<EventBridgeEvent<string, unknown>>('events/aws-eventbridge-s3-object-created.json');
const setup = (config: Record<string, unknown> = {}) => {
  const t = ingestDeps(config);
  return { ...t, handler: awsStorageEvents(storageIngest, async () => t.deps) };
};

describe('awsStorageEvents + storage-ingest', () => {
  test('S3 notification straight to Lambda: the decoded key is read, its findings published; a redelivery adds nothing', async () => {
    const t = setup();
    await t.put('sourcebucket', 'Happy Face.jpg', TRIVY);
    await expect(t.handler(s3Event())).resolves.toBeUndefined();
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    expect(t.findings()[0]).toMatchObject({ source: '//storage/sourcebucket', origin: 'storage:sourcebucket', tenant: 'default' });
    const count = t.bus.events.length;
    await t.handler(s3Event());
    expect(t.bus.events).toHaveLength(count);
  });

  test('S3 straight to Lambda: a transient failure is thrown (Lambda retries the event), the retry completes', async () => {
    const t = setup();
    await t.put('sourcebucket', 'Happy Face.jpg', TRIVY);
    t.bus.failAt(2);
    await expect(t.handler(s3Event())).rejects.toMatchObject({ code: 'ingest_unavailable', retryable: true });
    await t.handler(s3Event());
    expect(new Set(t.findings().map((e) => e.id)).size).toBe(REPORT_FINDINGS[TRIVY]);
    expect(t.system('completed')).toHaveLength(1);
  });

  test('SQS wrapping the S3 notification: findings published, no batch item failures', async () => {
    const t = setup();
    await t.put('xxx', 'test.pdf', SARIF);
    await expect(t.handler(sqsEvent())).resolves.toEqual({ batchItemFailures: [] });
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[SARIF]);
  });

  test('SQS: the record that fails is reported alone; the test event S3 sends at setup is acknowledged', async () => {
    const t = setup();
    await t.put('xxx', 'test.pdf', SARIF);
    const event = sqsEvent();
    const [record] = event.Records;
    // S3's documented test message: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    const testEvent = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2023-04-12T20:40:00.000Z', Bucket: 'xxx', RequestId: 'R1', HostId: 'H1' };
    event.Records = [
      { ...record!, messageId: 'setup', body: JSON.stringify(testEvent) },
      { ...record!, messageId: 'garbage', body: '{"hello":"world"}' },
      record!,
    ];
    await expect(t.handler(event)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'garbage' }] });
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[SARIF]);
  });

  test('EventBridge "Object Created": an invalid SARIF becomes a failed event and is quarantined, no crash', async () => {
    const t = setup();
    await t.put('example-bucket', 'IMG_m7fzo3.jpg', INVALID_SARIF);
    await expect(t.handler(ebEvent())).resolves.toBeUndefined();
    expect(t.findings()).toEqual([]);
    expect(t.system('failed')[0]!.data).toMatchObject({ bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', code: 'report_invalid', format: 'sarif' });
    expect([...t.objects.buckets.get('example-bucket')!.keys()]).toEqual(['quarantine/IMG_m7fzo3.jpg']);
  });

  test('EventBridge: an empty SARIF becomes a failed event (report_empty) and stays in place', async () => {
    const t = setup();
    await t.put('example-bucket', 'IMG_m7fzo3.jpg', EMPTY_SARIF);
    await t.handler(ebEvent());
    expect(t.system('failed')[0]!.data).toMatchObject({ code: 'report_empty' });
    expect([...t.objects.buckets.get('example-bucket')!.keys()]).toEqual(['IMG_m7fzo3.jpg']);
  });

  test('an event of no known shape: invalid_event, not retryable', async () => {
    const t = setup();
    const err = await t.handler({ hello: 'world' } as unknown as S3Event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'invalid_event', retryable: false });
  });
});
