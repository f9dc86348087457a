import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { sqsBus } from './bus-sqs';
import { createQueue, fauxqsClient, receiveAll, toSqsEvent } from '../../test/emulators/sqs';
import { SQS_MAX_RECEIVE_COUNT, awsSqs } from './sqs';

const deps = async () => testDeps().deps;
const ce = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: 'secorch/test', type: 'secorch.finding.created', time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json', data: { title: `finding ${id}`, text: 'é ✓ \u0001' },
});

test('events published through sqsBus to fauxqs come back as an SQS batch; one failure is reported alone', async () => {
  const sqs = fauxqsClient();
  const { url, arn } = await createQueue(sqs, `bus-roundtrip-${process.pid}`);
  const sent = [ce('evt-1'), ce('evt-2'), ce('evt-3')];
  const bus = sqsBus({ queueUrl: url, client: sqs });
  for (const e of sent) await bus.publish(e);

  const messages = await receiveAll(sqs, url, 3);
  expect(messages).toHaveLength(3);
  for (const m of messages) {
    const event = JSON.parse(m.Body!) as CloudEvent; // structured mode: the body is the whole event
    expect(event).toEqual(sent.find((s) => s.id === event.id));
    expect(m.MessageAttributes).toEqual({
      'ce-type': { DataType: 'String', StringValue: 'secorch.finding.created' },
      'ce-source': { DataType: 'String', StringValue: 'secorch/test' },
      'ce-id': { DataType: 'String', StringValue: event.id },
    });
  }

  const event: SQSEvent = toSqsEvent(messages, arn);
  const handled: InboundRecord[] = [];
  const handler: RecordHandler = async (record) => {
    if ((JSON.parse(record.body) as CloudEvent).id === 'evt-2') throw new Error('destination down');
    handled.push(record);
  };
  const result = await awsSqs(handler, deps)(event);

  const failed = messages.find((m) => JSON.parse(m.Body!).id === 'evt-2')!;
  expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failed.MessageId }] });
  expect(handled.map((r) => JSON.parse(r.body).id).sort()).toEqual(['evt-1', 'evt-3']);
  for (const r of handled) {
    expect(r.attributes).toMatchObject({ 'ce-type': 'secorch.finding.created', 'ce-source': 'secorch/test' });
    expect(r.receiveCount).toBe(1);
  }
});

test('the powertools SQS fixture: ids, bodies, string attributes, receive counts and the receives the queue allows', async () => {
  const event = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json');
  const seen: InboundRecord[] = [];
  const result = await awsSqs(async (r) => void seen.push(r), deps)(event);
  expect(result).toEqual({ batchItemFailures: [] });
  expect(seen).toEqual([
    { id: '059f36b4-87a3-44ab-83d2-661975830a7d', body: 'Test message.', attributes: { testAttr: '100' }, receiveCount: 1, maxReceives: 5 },
    { id: '2e1424d4-f796-459a-8184-9c92662be6da', body: '{"message": "foo1"}', attributes: {}, receiveCount: 1, maxReceives: 5 },
  ]);

  const failing = await awsSqs(async (r) => {
    if (r.body === 'Test message.') throw new Error('no');
  }, deps)(event);
  expect(failing).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
});

test('the receives the queue allows are serverless.yml\'s maxReceiveCount, or SECORCH_QUEUE_MAX_RECEIVES for a queue deployed with another', async () => {
  const yml = readFileSync(join(__dirname, '../../serverless.yml'), 'utf8');
  const counts = [...yml.matchAll(/maxReceiveCount: (\d+)/g)].map((m) => Number(m[1]));
  expect(counts.length).toBeGreaterThan(0);
  expect(new Set(counts)).toEqual(new Set([SQS_MAX_RECEIVE_COUNT]));
  const event = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json');
  const seen: InboundRecord[] = [];
  const before = process.env.SECORCH_QUEUE_MAX_RECEIVES;
  process.env.SECORCH_QUEUE_MAX_RECEIVES = '8';
  try {
    await awsSqs(async (r) => void seen.push(r), deps)(event);
  } finally {
    if (before === undefined) delete process.env.SECORCH_QUEUE_MAX_RECEIVES;
    else process.env.SECORCH_QUEUE_MAX_RECEIVES = before;
  }
  expect(seen.map((r) => [r.receiveCount, r.maxReceives])).toEqual([[1, 8], [1, 8]]);
});

test('with the Lambda context, every record carries when the invocation ends (the router sizes its claims by it)', async () => {
  const event = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json');
  const t = testDeps();
  const seen: InboundRecord[] = [];
  await awsSqs(async (r) => void seen.push(r), async () => t.deps)(event, { getRemainingTimeInMillis: () => 12_345 });
  expect(seen.map((r) => r.deadline)).toEqual([t.deps.clock.now() + 12_345, t.deps.clock.now() + 12_345]);
});

test('FIFO: after a failure the later records of the same group are failed unprocessed, other groups go on', async () => {
  const [a, b] = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json').Records;
  const rec = (id: string, group: string) => ({
    ...a!, messageId: id, body: id, eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:my-queue.fifo',
    attributes: { ...b!.attributes, MessageGroupId: group },
  });
  const event: SQSEvent = { Records: [rec('g1-a', 'g1'), rec('g2-a', 'g2'), rec('g1-b', 'g1'), rec('g2-b', 'g2')] };
  const handled: string[] = [];
  const result = await awsSqs(async (r) => {
    if (r.id === 'g1-a') throw new Error('fail');
    handled.push(r.id);
  }, deps)(event);
  expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['g1-a', 'g1-b']);
  expect(handled).toEqual(['g2-a', 'g2-b']);
});

test('a fair (standard) queue: MessageGroupId alone is not FIFO, so a failure fails only its own record', async () => {
  // Standard queues accept MessageGroupId for fair queues and keep no order within a group:
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagegroupid-property.html
  // Only FIFO queues (name ending in ".fifo", records carrying a SequenceNumber) keep order.
  const [, b] = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json').Records;
  const rec = (id: string, group: string) => ({ ...b!, messageId: id, body: id, attributes: { ...b!.attributes, MessageGroupId: group } });
  expect(b!.eventSourceARN.endsWith('.fifo')).toBe(false);
  const event: SQSEvent = { Records: [rec('t1-a', 'tenant-1'), rec('t1-b', 'tenant-1'), rec('t2-a', 'tenant-2')] };
  const handled: string[] = [];
  const result = await awsSqs(async (r) => {
    if (r.id === 't1-a') throw new Error('fail');
    handled.push(r.id);
  }, deps)(event);
  expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['t1-a']);
  expect(handled).toEqual(['t1-b', 't2-a']);
});

test('FIFO is recognised by the SequenceNumber FIFO records carry, even without the queue ARN', async () => {
  const [, b] = fixtureJson<SQSEvent>('events/aws-sqs-two-records.json').Records;
  const rec = (id: string, seq: string) => ({
    ...b!, messageId: id, body: id, eventSourceARN: '',
    attributes: { ...b!.attributes, MessageGroupId: 'g', SequenceNumber: seq, MessageDeduplicationId: id },
  });
  const event: SQSEvent = { Records: [rec('a', '1'), rec('b', '2')] };
  const result = await awsSqs(async (r) => {
    if (r.id === 'a') throw new Error('fail');
  }, deps)(event);
  expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a', 'b']);
});
