import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CLAIM_TTL_SECONDS } from '../../functions/event-router/claim';
import { eventRouter } from '../../functions/event-router/handler';
import { MAX_REDELIVERY_DELAY_MS } from '../../shared/contracts';
import { ConnectorError } from '../../shared/connectors/errors';
import { destinations } from '../../shared/destinations';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { fauxqsClient, receiveAll, toSqsEvent } from '../../test/emulators/sqs';
import { testDeps } from '../../test/deps';
import { awsSqs } from './sqs';
import { queueUrlOf, sqsRedelivery } from './sqs-redelivery';

/**
 * Failed records that ask for a wait are made visible again no earlier than that, on fauxqs (the
 * SQS protocol server the jest global setup starts on 127.0.0.1). Visibility deadlines are read
 * from fauxqs's own inspection endpoint (GET /_fauxqs/queues/<name>), so nothing waits them out.
 */
const endpoint = process.env.SECORCH_TEST_SQS_ENDPOINT!;
let sqs: SQSClient;
beforeAll(() => void (sqs = fauxqsClient()));
afterAll(() => sqs.destroy());

async function queueWith(name: string, visibilityTimeoutSeconds: number) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) } }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { name, url, arn };
}

/** Epoch ms at which each message in flight becomes visible again, by body. */
async function deadlines(name: string): Promise<Record<string, number>> {
  const res = await fetch(`${endpoint}/_fauxqs/queues/${name}`);
  const { messages } = (await res.json()) as { messages: { inflight: { message: { body: string }; visibilityDeadline: number }[] } };
  return Object.fromEntries(messages.inflight.map((m) => [m.message.body, m.visibilityDeadline]));
}

const rateLimited = (retryAfterMs: number) => new ConnectorError('connector_rate_limited', 'jira: rate limited', { connector: 'jira', vendorStatus: 429, retryAfterMs });

test('a record asking for longer than the visibility timeout is hidden that long (capped at 15 min); shorter asks and plain failures keep the queue\'s pace', async () => {
  const q = await queueWith(`redelivery-${process.pid}`, 30);
  for (const body of ['limited', 'very-limited', 'soon', 'plain', 'ok']) await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
  const received = Date.now();
  const event = toSqsEvent(await receiveAll(sqs, q.url, 5), q.arn);
  expect(event.Records).toHaveLength(5);
  const handler = awsSqs(async (record) => {
    if (record.body === 'limited') throw rateLimited(120_000);
    if (record.body === 'very-limited') throw rateLimited(2 * 3600_000);
    if (record.body === 'soon') throw rateLimited(5_000);
    if (record.body === 'plain') throw new Error('down');
  }, async () => testDeps().deps, { redelivery: sqsRedelivery({ client: sqs, endpoint }) });

  const before = Date.now();
  const result = await handler(event);
  const after = Date.now();
  const failed = (body: string) => event.Records.find((r) => r.body === body)!.messageId;
  expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['limited', 'very-limited', 'soon', 'plain'].map(failed).sort());

  const at = await deadlines(q.name);
  expect(at.limited).toBeGreaterThanOrEqual(before + 120_000);
  expect(at.limited).toBeLessThanOrEqual(after + 121_000);
  expect(at['very-limited']).toBeGreaterThanOrEqual(before + MAX_REDELIVERY_DELAY_MS);
  expect(at['very-limited']).toBeLessThanOrEqual(after + MAX_REDELIVERY_DELAY_MS + 1_000);
  // Visible again 30 s after they were received, as without any ask (5 s would only use up a receive).
  for (const body of ['soon', 'plain']) {
    expect(at[body]).toBeGreaterThanOrEqual(received + 30_000);
    expect(at[body]).toBeLessThanOrEqual(after + 30_000);
  }
  expect(at.ok).toBeDefined(); // the handler acknowledged it; deleting it is Lambda's part, not the adapter's
});

test('a queue whose visibility timeout cannot be read keeps its own pace: no wait is set, a short one would only use up receives', async () => {
  const q = await queueWith(`redelivery-unknown-${process.pid}`, 30);
  for (const body of ['soon', 'limited']) await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
  const received = Date.now();
  const event = toSqsEvent(await receiveAll(sqs, q.url, 2), q.arn);
  // A role without sqs:GetQueueAttributes, or SQS not answering it: that one call fails.
  const denied = new Proxy(sqs, {
    get: (target, prop, receiver) => (prop === 'send'
      ? (cmd: unknown) => (cmd instanceof GetQueueAttributesCommand ? Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDenied' })) : target.send(cmd as never))
      : Reflect.get(target, prop, receiver)),
  });
  const t = testDeps();
  const warned: string[] = [];
  t.deps.logger = { ...t.deps.logger, warn: (msg: string) => void warned.push(msg) };
  const handler = awsSqs(async (record) => Promise.reject(rateLimited(record.body === 'soon' ? 2_000 : 120_000)), async () => t.deps, { redelivery: sqsRedelivery({ client: denied, endpoint }) });
  const after = await handler(event).then(() => Date.now());
  const at = await deadlines(q.name);
  for (const body of ['soon', 'limited']) {
    expect(at[body]).toBeGreaterThanOrEqual(received + 30_000);
    expect(at[body]).toBeLessThanOrEqual(after + 30_000);
  }
  expect(warned).toContain('could not read the queue visibility timeout; failed records come back at the queue\'s pace');
});

test('a record without a queue ARN has no wait set, and the other records of the batch still do', async () => {
  const q = await queueWith(`redelivery-noarn-${process.pid}`, 30);
  for (const body of ['odd', 'limited']) await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
  const event = toSqsEvent(await receiveAll(sqs, q.url, 2), q.arn);
  const odd = event.Records.find((r) => r.body === 'odd')!;
  delete (odd as { eventSourceARN?: string }).eventSourceARN;
  const handler = awsSqs(async () => Promise.reject(rateLimited(120_000)), async () => testDeps().deps, { redelivery: sqsRedelivery({ client: sqs, endpoint }) });
  const before = Date.now();
  expect((await handler(event)).batchItemFailures).toHaveLength(2);
  const at = await deadlines(q.name);
  expect(at.limited).toBeGreaterThanOrEqual(before + 120_000);
  expect(at.odd).toBeLessThan(before + 60_000);
});

test('a change the queue refuses (a stale receipt handle) is logged and the failures are still reported', async () => {
  const q = await queueWith(`redelivery-stale-${process.pid}`, 30);
  await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'limited' }));
  const event = toSqsEvent(await receiveAll(sqs, q.url, 1), q.arn);
  event.Records[0]!.receiptHandle = 'not-a-receipt-handle';
  const t = testDeps();
  const warned: string[] = [];
  t.deps.logger = { ...t.deps.logger, warn: (msg: string) => void warned.push(msg) };
  const handler = awsSqs(async () => Promise.reject(rateLimited(120_000)), async () => t.deps, { redelivery: sqsRedelivery({ client: sqs, endpoint }) });
  expect((await handler(event)).batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
  expect(warned).toContain('could not delay the redelivery of a failed record; it comes back at the queue\'s pace');
});

test('the router: a message redelivered while the first consumer still calls a slow destination is hidden until the claim lapses, and the destination is called once', async () => {
  const q = await queueWith(`redelivery-router-${process.pid}`, 1);
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['slow'] }],
    destinations: { slow: { type: 'file', path: '/nonexistent/unused.jsonl' } },
  });
  let calls = 0;
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  destinations(t.deps.config).set('slow', async () => {
    calls += 1;
    await gate;
  });
  const e: CloudEvent = { specversion: '1.0', id: 'sqs-claim-1', source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'default' };
  await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify(e) }));
  const handler = awsSqs(eventRouter, async () => t.deps, { redelivery: sqsRedelivery({ client: sqs, endpoint }) });

  const first = handler(toSqsEvent(await receiveAll(sqs, q.url, 1), q.arn));
  while (calls === 0) await new Promise((r) => setImmediate(r));
  // The first invocation outlives the queue's visibility timeout: SQS hands the message out again.
  const again = toSqsEvent(await receiveAll(sqs, q.url, 1), q.arn);
  expect(again.Records).toHaveLength(1);
  const before = Date.now();
  // Settles, or stops at once if the second invocation calls the destination too (it would wait on the first call's gate).
  const racing = handler(again);
  let settled = false;
  void racing.then(() => (settled = true));
  while (!settled && calls < 2) await new Promise((r) => setImmediate(r));
  expect(calls).toBe(1);
  const second = await racing;
  expect(second.batchItemFailures).toEqual([{ itemIdentifier: again.Records[0]!.messageId }]);
  expect((await deadlines(q.name))[JSON.stringify(e)]).toBeGreaterThanOrEqual(before + CLAIM_TTL_SECONDS * 1000);

  finish();
  expect(await first).toEqual({ batchItemFailures: [] });
  expect(calls).toBe(1);
});

test('queue URLs from queue ARNs: SQS\'s own form, per partition', () => {
  expect(queueUrlOf('arn:aws:sqs:eu-west-1:123456789012:secorch-prod-events')).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/secorch-prod-events');
  expect(queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:q.fifo')).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo');
  expect(queueUrlOf('')).toBeUndefined();
  expect(queueUrlOf('arn:aws:sns:us-east-1:1:t')).toBeUndefined();
  expect(queueUrlOf('arn:aws:sqs:us-east-1:1:q:extra')).toBeUndefined();
});
