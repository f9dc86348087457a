import type { AppError } from '../../../shared/errors';
import { fixtureBytes, fixtureJson } from '../../../test/fixtures';
import { s3NotificationBody, SNS_TOKEN, snsConfirmation, snsEnvelope } from '../ingest.testkit';
import { readNotification } from '.';

// The real trigger events of ../shared/fixtures/events (SOURCES.md gives each one's origin).
const raw = (name: string) => fixtureBytes(`events/${name}`).toString('utf8');
const first = <T>(name: string) => fixtureJson<T[]>(`events/${name}`)[0]!;
const sqsBody = () => fixtureJson<{ Records: { body: string }[] }>('events/aws-sqs-wrapping-s3-notification.json').Records[0]!.body;
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a throw');
};

describe('storage notification envelopes (real fixtures)', () => {
  test('S3 notification delivered to Lambda: the URL-encoded key is decoded', () => {
    expect(readNotification(raw('aws-s3-objectcreated-put.json'))).toEqual({
      refs: [{ bucket: 'sourcebucket', key: 'Happy Face.jpg', version: 'version', etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 1024, eventTime: '1970-01-01T00:00:00.123Z' }],
    });
  });

  test('S3 notification in an SQS message body', () => {
    expect(readNotification(sqsBody())).toEqual({
      refs: [{ bucket: 'xxx', key: 'test.pdf', version: 'yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV', etag: '2e3ad1e983318bbd8e73b080e2997980', size: 104681, eventTime: '2023-04-12T20:43:38.021Z' }],
    });
  });

  test('a key with + for spaces and %-escapes decodes as form encoding does', () => {
    const event = fixtureJson<{ Records: { s3: { object: { key: string } } }[] }>('events/aws-s3-objectcreated-put.json');
    event.Records[0]!.s3.object.key = 'reports/red+flower%2B1%2F%C3%A9.sarif';
    expect(readNotification(JSON.stringify(event)).refs[0]!.key).toBe('reports/red flower+1/é.sarif');
    event.Records[0]!.s3.object.key = 'bad%E0%A4%A.sarif';
    expect(errorOf(() => readNotification(JSON.stringify(event)))).toMatchObject({ code: 'invalid_event', retryable: false, status: 400 });
  });

  test('S3 records other than ObjectCreated are ignored, not failed', () => {
    const event = fixtureJson<{ Records: { eventName: string }[] }>('events/aws-s3-objectcreated-put.json');
    event.Records[0]!.eventName = 'ObjectRemoved:Delete';
    expect(readNotification(JSON.stringify(event))).toEqual({ refs: [], ignored: 'no ObjectCreated record' });
  });

  test("S3's test event (sent to a queue when the notification is configured) is ignored", () => {
    // The shape S3 documents for it: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2023-04-12T20:40:00.000Z', Bucket: 'xxx', RequestId: 'R1', HostId: 'H1' };
    expect(readNotification(JSON.stringify(test))).toEqual({ refs: [], ignored: 's3:TestEvent' });
  });

  describe('S3 notification through an SNS topic to SQS (no raw message delivery): the Message is unwrapped', () => {
    const S3_TEST = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2023-04-12T20:40:00.000Z', Bucket: 'xxx', RequestId: 'R1', HostId: 'H1' };

    test('the S3 notification in the Message is read as if it came alone', () => {
      expect(readNotification(snsEnvelope(s3NotificationBody()))).toEqual({
        refs: [{ bucket: 'xxx', key: 'test.pdf', version: 'yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV', etag: '2e3ad1e983318bbd8e73b080e2997980', size: 104681, eventTime: '2023-04-12T20:43:38.021Z' }],
        topic: 'arn:aws:sns:us-east-1:246796806071:snsNetTest',
      });
    });

    test("S3's test event in the Message (sent to the topic when the notification is configured) is ignored", () => {
      expect(readNotification(snsEnvelope(JSON.stringify(S3_TEST)))).toMatchObject({ refs: [], ignored: 's3:TestEvent', topic: 'arn:aws:sns:us-east-1:246796806071:snsNetTest' });
    });

    test('the unwrapped records are decoded and filtered as S3 records are', () => {
      const event = JSON.parse(s3NotificationBody()) as { Records: { eventName: string; s3: { object: { key: string } } }[] };
      event.Records[0]!.s3.object.key = 'reports/red+flower%2B1.sarif';
      expect(readNotification(snsEnvelope(JSON.stringify(event))).refs[0]!.key).toBe('reports/red flower+1.sarif');
      event.Records[0]!.eventName = 'ObjectRemoved:Delete';
      expect(readNotification(snsEnvelope(JSON.stringify(event)))).toMatchObject({ refs: [], ignored: 'no ObjectCreated record' });
    });

    // An EventBridge rule on the bus S3 sends to, targeting the topic: SNS publishes the event as
    // the rule matched it (no input transformer), so the Message is the event's JSON text.
    test('an EventBridge S3 Object Created event in the Message (rule -> SNS -> SQS) is read as if it came alone', () => {
      expect(readNotification(snsEnvelope(raw('aws-eventbridge-s3-object-created.json')))).toEqual({
        refs: [{ bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', etag: '4e68adba0abe2dc8653dc3354e14c01d', size: 184662, eventTime: '2023-03-08T17:50:14.000Z' }],
        topic: 'arn:aws:sns:us-east-1:246796806071:snsNetTest',
      });
    });

    test('an EventBridge event in the Message is decoded and filtered as one that came alone', () => {
      const event = fixtureJson<{ 'detail-type': string; detail: { object: { key: string } } }>('events/aws-eventbridge-s3-object-created.json');
      event.detail.object.key = 'reports/red+flower%2B1.sarif';
      expect(readNotification(snsEnvelope(JSON.stringify(event))).refs[0]!.key).toBe('reports/red flower+1.sarif');
      event['detail-type'] = 'Object Deleted';
      expect(readNotification(snsEnvelope(JSON.stringify(event)))).toEqual({ refs: [], ignored: 'detail-type Object Deleted', topic: 'arn:aws:sns:us-east-1:246796806071:snsNetTest' });
    });

    test.each([
      ['SubscriptionConfirmation', /waiting for confirmation/],
      ['UnsubscribeConfirmation', /no longer reach/],
    ] as const)('an SNS %s is no notification: ignored, with what the operator should do, never the token', (type, says) => {
      const n = readNotification(snsConfirmation(type));
      expect(n).toMatchObject({ refs: [], ignored: `SNS ${type}`, topic: 'arn:aws:sns:us-east-1:246796806071:snsNetTest', action: expect.stringMatching(says) });
      expect(JSON.stringify(n)).not.toContain(SNS_TOKEN);
    });

    test.each([
      ['a Message that is not JSON (the fixture\'s own "Hello world")', fixtureJson<{ Records: { Sns: unknown }[] }>('events/aws-sns-event.json').Records[0]!.Sns, ['Message: not JSON']],
      ['a Message that is not a string', JSON.parse(snsEnvelope('x', { Message: { Records: [] } })), ['Message: required string holding an S3 event notification (Records from aws:s3), s3:TestEvent or an EventBridge event from aws.s3']],
      ['a Message of another shape', JSON.parse(snsEnvelope(JSON.stringify({ hello: 'world' }))), ['Message: expected an S3 event notification (Records from aws:s3), s3:TestEvent or an EventBridge event from aws.s3']],
      ['a Message that is itself an SNS message', JSON.parse(snsEnvelope(snsEnvelope(s3NotificationBody()))), ['Message: expected an S3 event notification (Records from aws:s3), s3:TestEvent or an EventBridge event from aws.s3']],
      ['an unknown Type', JSON.parse(snsEnvelope(s3NotificationBody(), { Type: 'Surprise' })), ['Type: expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation']],
      ['a TopicArn that is no SNS topic ARN', JSON.parse(snsEnvelope(s3NotificationBody(), { TopicArn: 'arn:aws:sqs:us-east-1:246796806071:q' })), ['TopicArn: expected an SNS topic ARN']],
      ['an EventBridge S3 event without a bucket or time, the problems pointing into the Message', JSON.parse(snsEnvelope(JSON.stringify({ ...fixtureJson<Record<string, unknown>>('events/aws-eventbridge-s3-object-created.json'), time: 'yesterday', detail: { object: { key: 'a' } } }))), ['Message.detail.bucket.name: required non-empty string', 'Message.time: required RFC 3339 timestamp']],
      ['an EventBridge S3 event whose key is broken URL encoding, pointed at in the Message', JSON.parse(snsEnvelope(JSON.stringify({ ...fixtureJson<Record<string, unknown>>('events/aws-eventbridge-s3-object-created.json'), detail: { bucket: { name: 'b' }, object: { key: 'bad%E0%A4%A' } } }))), ['Message.detail.object.key: invalid percent-encoding']],
      ['an S3 record without a bucket, the problem pointing into the Message', JSON.parse(snsEnvelope(JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2023-01-01T00:00:00Z', s3: { object: { key: 'a' } } }] }))), ['Message.Records[0].s3.bucket.name: required non-empty string']],
    ])('%s: invalid_event, 400, not retryable', (_name, body, problems) => {
      expect(errorOf(() => readNotification(JSON.stringify(body)))).toMatchObject({ code: 'invalid_event', status: 400, retryable: false, extra: { problems } });
    });
  });

  test('S3 Object Created through EventBridge', () => {
    expect(readNotification(raw('aws-eventbridge-s3-object-created.json'))).toEqual({
      refs: [{ bucket: 'example-bucket', key: 'IMG_m7fzo3.jpg', etag: '4e68adba0abe2dc8653dc3354e14c01d', size: 184662, eventTime: '2023-03-08T17:50:14.000Z' }],
    });
  });

  test('other EventBridge detail-types from S3 are ignored', () => {
    const event = fixtureJson<Record<string, unknown>>('events/aws-eventbridge-s3-object-created.json');
    expect(readNotification(JSON.stringify({ ...event, 'detail-type': 'Object Deleted' }))).toEqual({ refs: [], ignored: 'detail-type Object Deleted' });
  });

  test.each([
    ['Event Grid schema', 'azure-eventgrid-schema-blobcreated.json'],
    ['CloudEvents schema', 'azure-eventgrid-cloudevent-schema-blobcreated.json'],
  ])('Event Grid BlobCreated, %s: container and blob from the subject, the ETag unquoted', (_schema, file) => {
    expect(readNotification(JSON.stringify(first(file)))).toEqual({
      refs: [{ bucket: 'test-container', key: 'new-file.txt', etag: '0x8D4BCC2E4835CD0', size: 524288, eventTime: '2017-06-26T18:41:00.958Z' }],
    });
  });

  test('Event Grid: without a blob subject the URL gives container and (percent-decoded) blob', () => {
    const event = first<{ subject: string; data: { url: string } }>('azure-eventgrid-schema-blobcreated.json');
    event.subject = '';
    event.data.url = 'https://my-storage-account.blob.core.windows.net/testcontainer/reports/a%20b.sarif';
    expect(readNotification(JSON.stringify(event)).refs[0]).toMatchObject({ bucket: 'testcontainer', key: 'reports/a b.sarif' });
  });

  test('Event Grid: a blob name with slashes keeps them', () => {
    const event = first<{ subject: string }>('azure-eventgrid-cloudevent-schema-blobcreated.json');
    event.subject = '/blobServices/default/containers/scans/blobs/2026/01/trivy.json';
    expect(readNotification(JSON.stringify(event)).refs[0]).toMatchObject({ bucket: 'scans', key: '2026/01/trivy.json' });
  });

  test('Event Grid: a subject whose emoji came through as U+FFFD gives way to the blob URL', () => {
    const event = first<{ subject: string; data: { url: string } }>('azure-eventgrid-schema-blobcreated.json');
    event.subject = '/blobServices/default/containers/scans/blobs/tasklog_14\uFFFD\uFFFD.sarif';
    event.data.url = 'https://my-storage-account.blob.core.windows.net/scans/tasklog_14%F0%9F%92%8E.sarif';
    expect(readNotification(JSON.stringify(event)).refs[0]).toMatchObject({ bucket: 'scans', key: 'tasklog_14\u{1F48E}.sarif' });
    // A URL that cannot do better leaves the subject's name.
    event.data.url = 'https://my-storage-account.blob.core.windows.net/other/x.sarif';
    expect(readNotification(JSON.stringify(event)).refs[0]).toMatchObject({ bucket: 'scans', key: 'tasklog_14\uFFFD\uFFFD.sarif' });
  });

  test.each([
    ['CreateFile', 'Data Lake Storage Gen2 creates the file empty; FlushWithClose commits it'],
    ['SftpCreate', 'SFTP creates an empty blob when the file is opened; SftpCommit commits it'],
    ['SftpWrite', 'SFTP resumable uploads commit parts of the file as they arrive; SftpCommit commits it whole'],
  ])('Event Grid BlobCreated with api %s is no report yet (%s)', (api) => {
    // https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage (the SFTP events)
    const event = first<{ data: { api: string } }>('azure-eventgrid-cloudevent-schema-blobcreated.json');
    event.data.api = api;
    expect(readNotification(JSON.stringify(event))).toMatchObject({ refs: [], ignored: expect.stringContaining(api) });
    for (const done of ['FlushWithClose', 'SftpCommit', 'PutBlockList']) {
      event.data.api = done;
      expect(readNotification(JSON.stringify(event)).refs).toEqual([expect.objectContaining({ bucket: 'test-container', key: 'new-file.txt' })]);
    }
  });

  test('the subscription validation event is not an object to ingest', () => {
    expect(readNotification(JSON.stringify(first('azure-eventgrid-subscription-validation-event.json'))).refs).toEqual([]);
  });

  test('Cloud Storage finalized, structured CloudEvent: version is the generation', () => {
    expect(readNotification(raw('gcp-cloudevent-structured-storage-object-finalized.json'))).toEqual({
      refs: [{ bucket: 'sample-bucket', key: 'MyFile', version: '96883251', etag: 'COu8mb3Dn+kCEAE=', size: 0, eventTime: '2021-11-25T21:04:32.279Z' }],
    });
  });

  test.each([
    ['not JSON', '{"Records":'],
    ['not an object', '[1]'],
    ['an unknown shape', JSON.stringify({ hello: 'world' })],
    ['an SQS event passed whole', raw('aws-sqs-two-records.json')],
    ['an S3 record without a bucket', JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: '2023-01-01T00:00:00Z', s3: { object: { key: 'a' } } }] })],
  ])('%s: invalid_event, 400, not retryable', (_name, body) => {
    expect(errorOf(() => readNotification(body))).toMatchObject({ code: 'invalid_event', status: 400, retryable: false });
  });

  test('problems point into the raw event', () => {
    const err = errorOf(() => readNotification(JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {} }] })));
    expect(err.extra.problems).toEqual(['Records[0].s3.bucket.name: required non-empty string', 'Records[0].s3.object.key: required non-empty string', 'Records[0].eventTime: required RFC 3339 timestamp']);
  });
});
