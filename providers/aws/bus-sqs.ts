import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';
import { once } from '../common/once';

export interface SqsBusOptions {
  queueUrl: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: SQSClient;
  /** Endpoint override for SQS-compatible servers (fauxqs, LocalStack). */
  endpoint?: string;
  region?: string;
}


/**
 * SQS characters outside this set are rejected by SendMessage; JSON.stringify already escapes
 * control characters and lone surrogates, which leaves only U+FFFE and U+FFFF:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
const escapeNonCharacters = (json: string) =>
  json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/**
 * The event bus on SQS. Events travel in CloudEvents structured mode (the whole event as JSON
 * in the body, as the router expects); type, source and id are copied to message attributes so
 * SNS subscriptions and EventBridge Pipes can filter without parsing the body.
 * The SDK is imported on first use: a cold start that never publishes does not load it. Errors
 * are not caught: publish rejects, the caller answers 503 and keeps the delivery retryable.
 */
export function sqsBus(opts: SqsBusOptions): EventBus {
  const load = once(() => import('@aws-sdk/client-sqs').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SQSClient({ endpoint: opts.endpoint, region: opts.region }),
  })));

  return {
    async publish(event: CloudEvent) {
      const { sdk, client } = await load();
      await client.send(
        new sdk.SendMessageCommand({
          QueueUrl: opts.queueUrl,
          MessageBody: escapeNonCharacters(JSON.stringify(event)),
          MessageAttributes: {
            'ce-type': { DataType: 'String', StringValue: event.type },
            'ce-source': { DataType: 'String', StringValue: event.source },
            'ce-id': { DataType: 'String', StringValue: event.id },
          },
        }),
      );
    },
    async check() {
      const { sdk, client } = await load();
      await client.send(new sdk.GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['QueueArn'] }));
    },
  };
}
