import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { storageIngest } from '../../functions/storage-ingest/handler';
import { INVALID_SARIF, ingestDeps, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { createQueue, fauxqsClient, receiveAll, toSqsEvent } from '../../test/emulators/sqs';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { s3Objects } from './objects-s3';
import { awsStorageEvents } from './storage-events';

/**
 * End to end on fauxqs (the S3 + SQS protocol server the jest global setup starts on 127.0.0.1):
 * reports are PUT into a real bucket, the real S3-in-SQS notification fixture (bucket and key
 * pointed at them, the key URL-encoded as S3 does) travels through a real queue, and the Lambda
 * handler reads the objects with s3Objects and quarantines the bad one with a real copy + delete.
 * Fanned out through a real SNS topic (S3 -> SNS -> SQS), one queue subscribed without raw message
 * delivery gets the notification in the SNS envelope, another with raw delivery gets it as is.
 */
const endpoint = process.env.SECORCH_TEST_SQS_ENDPOINT!;
const TRIVY = 'scanner/trivy-alpine-310.json';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
const sns = new SNSClient({ region: 'us-east-1', endpoint, credentials });
const bucket = `secorch-ingest-${process.pid}`;

beforeAll(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
afterAll(async () => {
  const keys = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
  if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((k) => ({ Key: k.Key! })) } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
  sns.destroy();
});

/** The real notification of the SQS fixture, about one of our objects. */
function notification(encodedKey: string): string {
  const sqs = fixtureJson<SQSEvent>('events/aws-sqs-wrapping-s3-notification.json');
  const body = JSON.parse(sqs.Records[0]!.body) as { Records: { s3: { bucket: { name: string; arn: string }; object: { key: string } } }[] };
  const s3Part = body.Records[0]!.s3;
  s3Part.bucket.name = bucket;
  s3Part.bucket.arn = `arn:aws:s3:::${bucket}`;
  s3Part.object.key = encodedKey;
  return JSON.stringify(body);
}

test('S3 notifications through a real queue: the report is ingested, the invalid one quarantined in the bucket', async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'scans/alpine 3.10.json', Body: fixtureBytes(TRIVY) }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'scans/bad.sarif', Body: fixtureBytes(INVALID_SARIF) }));
  const sqs = fauxqsClient();
  const { url, arn } = await createQueue(sqs, `ingest-${process.pid}`);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: notification('scans/alpine+3.10.json') }));
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: notification('scans/bad.sarif') }));
  const event = toSqsEvent(await receiveAll(sqs, url, 2), arn);
  expect(event.Records).toHaveLength(2);

  const t = ingestDeps();
  const deps = { ...t.deps, objects: s3Objects({ client: s3, conditionalWrites: false }) };
  const handler = awsStorageEvents(storageIngest, async () => deps);
  await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
  expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  expect(t.system('failed')[0]!.data).toMatchObject({ key: 'scans/bad.sarif', code: 'report_invalid' });
  const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key).sort();
  expect(keys).toEqual(['quarantine/scans/bad.sarif', 'scans/alpine 3.10.json']);

  // The queue redelivers the same batch: nothing new is published.
  const before = t.bus.events.length;
  await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
  expect(t.bus.events).toHaveLength(before);
  sqs.destroy();
});

test('S3 notifications fanned out through a real SNS topic: the enveloped and the raw copy are both read, the report ingested once', async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'scans/alpine 3.10.json', Body: fixtureBytes(TRIVY) }));
  const sqs = fauxqsClient();
  const enveloped = await createQueue(sqs, `ingest-sns-${process.pid}`);
  const raw = await createQueue(sqs, `ingest-sns-raw-${process.pid}`);
  const topic = (await sns.send(new CreateTopicCommand({ Name: `reports-${process.pid}` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: enveloped.arn }));
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: raw.arn, Attributes: { RawMessageDelivery: 'true' } }));
  // S3's test message when the notification is configured, then the object's notification.
  const s3Test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2023-04-12T20:40:00.000Z', Bucket: bucket, RequestId: 'R1', HostId: 'H1' };
  await sns.send(new PublishCommand({ TopicArn: topic, Subject: 'Amazon S3 Notification', Message: JSON.stringify(s3Test) }));
  await sns.send(new PublishCommand({ TopicArn: topic, Subject: 'Amazon S3 Notification', Message: notification('scans/alpine+3.10.json') }));

  const t = ingestDeps();
  const deps = { ...t.deps, objects: s3Objects({ client: s3, conditionalWrites: false }) };
  const handler = awsStorageEvents(storageIngest, async () => deps);

  const event = toSqsEvent(await receiveAll(sqs, enveloped.url, 2), enveloped.arn);
  expect(event.Records.map((r) => (JSON.parse(r.body) as { Type?: string; TopicArn?: string }))).toEqual([
    expect.objectContaining({ Type: 'Notification', TopicArn: topic }),
    expect.objectContaining({ Type: 'Notification', TopicArn: topic }),
  ]);
  await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
  expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  expect(t.system('completed')).toEqual([expect.objectContaining({ data: expect.objectContaining({ bucket, key: 'scans/alpine 3.10.json', outcome: 'ingested' }) })]);

  // The raw copy names the same object version: acknowledged, nothing published again.
  const rawEvent = toSqsEvent(await receiveAll(sqs, raw.url, 2), raw.arn);
  expect(rawEvent.Records.map((r) => (JSON.parse(r.body) as { Type?: string }).Type)).toEqual([undefined, undefined]);
  const before = t.bus.events.length;
  await expect(handler(rawEvent)).resolves.toEqual({ batchItemFailures: [] });
  expect(t.bus.events).toHaveLength(before);
  sqs.destroy();
});
