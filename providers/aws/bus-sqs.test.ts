import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { sqsBus } from './bus-sqs';
import { createQueue, fauxqsClient } from '../../test/emulators/sqs';

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
