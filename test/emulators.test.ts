import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';

test('the fauxqs SQS server started by the global setup answers SQS calls', async () => {
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: process.env.SECORCH_TEST_SQS_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const out = await sqs.send(new CreateQueueCommand({ QueueName: 'emulator-check' }));
  expect(out.QueueUrl).toContain('emulator-check');
});
