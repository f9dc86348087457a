import { createHash, randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';
import { once } from '../common/once';
import { busUnavailable } from './unavailable';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface SqsBusOptions extends AwsTimeouts {
  queueUrl: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: SQSClient;
  /** Endpoint override for SQS-compatible servers (fauxqs, LocalStack). */
  endpoint?: string;
  region?: string;
  /** The queue's MaximumMessageSize when it is below SQS's limit. */
  maxMessageBytes?: number;
}

/** SQS's message size limit: body plus attribute names, types and values (1 MiB since 2025). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const tooLarge = (event: CloudEvent, size: number, limit: number, cause?: unknown) =>
  new AppError('bus_message_too_large', `Event ${event.id} is ${size} bytes as an SQS message; the limit is ${limit}`, { status: 500, retryable: false, expose: false, cause });


/**
 * SQS characters outside this set are rejected by SendMessage; JSON.stringify already escapes
 * control characters and lone surrogates, which leaves only U+FFFE and U+FFFF:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
const escapeNonCharacters = (json: string) =>
  json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/** A FIFO queue's name ends in ".fifo" (the last segment of its URL). */
const isFifoQueueUrl = (queueUrl: string): boolean => /\.fifo\/?$/.test(queueUrl);

/**
 * What a FIFO queue needs with every message, which a standard queue would refuse: the message
 * group, in which the router's trigger keeps order (sqs.ts), is the event's tenant and source, so
 * the events of one sender keep their order and the others go on past a failure; its SHA-256 keeps
 * it within the 128 characters SQS takes whatever the source. The deduplication id is new on every publish: duplicates are the router's
 * to drop (claims, done marks), and SQS's 5-minute window would otherwise swallow a dead letter
 * replayed soon after the event, or an event published again after a failed attempt.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
const fifoFields = (event: CloudEvent) => ({
  MessageGroupId: createHash('sha256').update(`${String(event.tenant ?? '')}\n${event.source}`).digest('hex'),
  MessageDeduplicationId: randomUUID(),
});

/**
 * The event bus on SQS. Events travel in CloudEvents structured mode (the whole event as JSON
 * in the body, as the router expects); type, source and id are copied to message attributes so
 * SNS subscriptions and EventBridge Pipes can filter without parsing the body.
 * The SDK is imported on first use: a cold start that never publishes does not load it. Every
 * wait is bounded (client-options.ts); SQS unreachable is a 503 `bus_unavailable` (unavailable.ts).
 * Other errors are not caught: publish rejects, the caller answers 503 and keeps the delivery
 * retryable.
 */
export function sqsBus(opts: SqsBusOptions): EventBus {
  const fifo = isFifoQueueUrl(opts.queueUrl);
  const load = once(() => import('@aws-sdk/client-sqs').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SQSClient(awsClientConfig(opts)),
  })));

  return {
    async publish(event: CloudEvent) {
      const body = escapeNonCharacters(JSON.stringify(event));
      const attributes = {
        'ce-type': { DataType: 'String', StringValue: event.type },
        'ce-source': { DataType: 'String', StringValue: event.source },
        'ce-id': { DataType: 'String', StringValue: event.id },
      };
      const size = Buffer.byteLength(body) + Object.entries(attributes)
        .reduce((n, [name, a]) => n + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue), 0);
      const limit = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
      // Refused before sending: an event that can never fit is not worth a retry.
      if (size > limit) throw tooLarge(event, size, limit);
      const { sdk, client } = await load();
      try {
        await client.send(new sdk.SendMessageCommand({
          QueueUrl: opts.queueUrl, MessageBody: body, MessageAttributes: attributes, ...(fifo ? fifoFields(event) : {}),
        }));
      } catch (e) {
        // A queue configured with a smaller MaximumMessageSize answers InvalidParameterValue.
        const err = e as { name?: string; code?: string; message?: string };
        if (/InvalidParameterValue/.test(`${err.name} ${err.code}`) && /shorter than/i.test(err.message ?? '')) throw tooLarge(event, size, limit, e);
        throw busUnavailable('The event queue did not accept the event', e) ?? e;
      }
    },
    async check() {
      const { sdk, client } = await load();
      try {
        await client.send(new sdk.GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['QueueArn'] }));
      } catch (e) {
        throw busUnavailable('The event queue is not reachable', e) ?? e;
      }
    },
  };
}
