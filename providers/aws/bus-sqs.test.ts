import { DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { sqsBus } from './bus-sqs';
import { toInboundRecord } from './sqs';
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
