import { CreateQueueCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Test helper (not shipped): a client for the fauxqs SQS server the jest global setup starts,
 * and the conversion of received messages into the SQS event Lambda would deliver
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event).
 */
export function fauxqsClient(): SQSClient {
  const endpoint = process.env.SECORCH_TEST_SQS_ENDPOINT;
  if (!endpoint) throw new Error('SECORCH_TEST_SQS_ENDPOINT is not set: run through jest (test/global-setup.ts starts fauxqs)');
  return new SQSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

export async function createQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attrs.Attributes!.QueueArn! };
}

export async function receiveAll(sqs: SQSClient, url: string, want: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 10 && out.length < want; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'],
    }));
    out.push(...(r.Messages ?? []));
  }
  return out;
}

export const toSqsEvent = (messages: Message[], arn: string): SQSEvent => ({
  Records: messages.map((m): SQSRecord => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body!,
    attributes: m.Attributes as unknown as SQSRecord['attributes'],
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, dataType: v.DataType! }]),
    ),
    md5OfBody: m.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'us-east-1',
  })),
});
