import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { testDeps } from '../../test/deps';
import { sqsBus } from './bus-sqs';
import { awsSqs, toInboundRecord } from './sqs';
import { createQueue, fauxqsClient, toSqsEvent } from '../../test/emulators/sqs';

const event: CloudEvent = { specversion: '1.0', id: 'b-1', source: 'secorch/test', type: 'secorch.system.test', data: { s: 'a\uFFFEb' } };

test('publishing to a queue that does not exist rejects, and so does check()', async () => {
  const sqs = fauxqsClient();
  const { url } = await createQueue(sqs, `bus-exists-${process.pid}`);
  const missing = url.replace(/bus-exists-\d+$/, 'no-such-queue');
  const bus = sqsBus({ queueUrl: missing, client: sqs });
  await expect(bus.publish(event)).rejects.toThrow(/queue does not exist/i);
  await expect(bus.check()).rejects.toThrow(/queue does not exist/i);
  await expect(sqsBus({ queueUrl: url, client: sqs }).check()).resolves.toBeUndefined();
});

test('without a client one is built from endpoint and region; U+FFFE in the data survives', async () => {
  const sqs = fauxqsClient();
  const { url } = await createQueue(sqs, `bus-lazy-${process.pid}`);
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'test'; // the default credential chain reads these
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  try {
    const bus = sqsBus({ queueUrl: url, endpoint: process.env.SECORCH_TEST_SQS_ENDPOINT, region: 'us-east-1' });
    await bus.publish(event);
    await bus.check();
  } finally {
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  }
  const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  expect(r.Messages).toHaveLength(1);
  expect(r.Messages![0]!.Body).toContain('\\ufffe');
  expect(JSON.parse(r.Messages![0]!.Body!)).toEqual(event);
});

test('a FIFO queue: events are published in one message group per tenant and source, in order, and a republished event is sent again', async () => {
  // A FIFO queue refuses a message without MessageGroupId, and the router's trigger (sqs.ts) keeps
  // each group's order. Duplicates are the router's to drop (claims, done marks): a dead letter
  // replayed within SQS's 5-minute deduplication window must not vanish as a copy.
  const sqs = fauxqsClient();
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: `bus-fifo-${process.pid}.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const bus = sqsBus({ queueUrl: url, client: sqs });
  const github = (id: string): CloudEvent => ({ ...event, id, source: '/webhooks/github', tenant: 'acme' });
  const sent = [github('g-1'), { ...event, id: 'o-1', source: '/webhooks/okta', tenant: 'acme' }, github('g-2'), github('g-1')];
  for (const e of sent) await bus.publish(e);

  // fauxqs hands out one message of a group at a time (SQS may give several): each is deleted to get the next.
  const messages: Message[] = [];
  for (let i = 0; i < 10 && messages.length < sent.length; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }));
    for (const m of r.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    messages.push(...(r.Messages ?? []));
  }
  messages.sort((a, b) => Number(a.Attributes!.SequenceNumber) - Number(b.Attributes!.SequenceNumber));
  expect(messages.map((m) => (JSON.parse(m.Body!) as CloudEvent).id)).toEqual(['g-1', 'o-1', 'g-2', 'g-1']);
  const groups = messages.map((m) => m.Attributes?.MessageGroupId);
  expect(groups[0]).toMatch(/^[0-9a-f]{64}$/);
  expect(groups).toEqual([groups[0], expect.not.stringMatching(groups[0]!), groups[0], groups[0]]);

  // The router's trigger reads them as FIFO: a failure holds back the rest of its group only.
  const handled: string[] = [];
  const result = await awsSqs(async (record) => {
    const id = (JSON.parse(record.body) as CloudEvent).id;
    if (id === 'g-1' && handled.length === 0) throw new Error('destination down');
    handled.push(id);
  }, async () => testDeps().deps)(toSqsEvent(messages, arn));
  expect(handled).toEqual(['o-1']);
  expect(result.batchItemFailures).toHaveLength(3);
  sqs.destroy();
});

/**
 * The EventBus contract on the real fauxqs SQS server: received = ReceiveMessage (short poll, so
 * only what the queue already holds), turned into the Lambda SQS event and read by the router's
 * trigger adapter (toInboundRecord) and parser (parseEvent), as in production.
 * maxBytes: SQS's message limit (1 MiB, the default MaximumMessageSize fauxqs enforces too,
 * counting the body and message attributes in UTF-8 bytes).
 */
let contractQueues = 0;
describeEventBusContract('sqsBus on fauxqs (real SQS protocol server)', async () => {
  const sqs = fauxqsClient();
  const { url, arn } = await createQueue(sqs, `bus-contract-${process.pid}-${++contractQueues}`);
  const got: CloudEvent[] = [];
  return {
    bus: sqsBus({ queueUrl: url, client: sqs }),
    maxBytes: 1024 * 1024,
    async received() {
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({
          QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600,
          MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'],
        }));
        if (!r.Messages?.length) return [...got];
        for (const record of toSqsEvent(r.Messages, arn).Records) got.push(parseEvent(toInboundRecord(record).body));
      }
    },
    unhealthy: async () => sqsBus({ queueUrl: url.replace(/[^/]+$/, `no-such-queue-${process.pid}`), client: sqs }),
    cleanup: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    },
  };
}, {
  withoutAstral: 'fauxqs checks the body per UTF-16 unit and refuses surrogate pairs; SQS allows #x10000-#x10FFFF',
});
