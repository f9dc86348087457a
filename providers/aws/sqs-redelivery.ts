import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '../../shared/ports';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';

/**
 * Failed SQS records that asked for a wait (InboundRecord failures carrying retryAfterMs: a
 * vendor's Retry-After, a circuit still open, another consumer's claim) are made visible again no
 * earlier than that, with ChangeMessageVisibility on their receipt handles before the function
 * reports them in batchItemFailures. Lambda leaves a reported record's visibility as it was: it
 * comes back when the queue's visibility timeout, counted from its receipt, runs out
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html). So only a
 * longer wait is set: a shorter one would bring the record back sooner than the queue's own pace,
 * each receive counting towards the dead-letter queue's maxReceiveCount.
 *
 * Needs sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the queue. A failure to change
 * a visibility is logged and changes nothing else: the record still comes back, at the queue's pace.
 */
export interface SqsRedeliveryOptions extends AwsTimeouts {
  /** A ready client (tests); else one is made on first use. */
  client?: SQSClient;
  /** Endpoint override for SQS-compatible servers (fauxqs, LocalStack): queue URLs are then asked for (GetQueueUrl). */
  endpoint?: string;
}

export interface DelayedRecord {
  record: SQSRecord;
  /** Visible again no earlier than this many ms from now (at most MAX_REDELIVERY_DELAY_MS). */
  delayMs: number;
}

export interface SqsRedelivery {
  /** `elapsedMs`: time since the batch was received, already spent of the queue's visibility timeout. */
  delay(items: readonly DelayedRecord[], elapsedMs: number, logger: Logger): Promise<void>;
}

const BATCH = 10;
/**
 * Records are received before the invocation starts (the poller's batching window, 1 s in
 * serverless.yml, and its own latency): what is left of their visibility is counted this much
 * short, so an asked wait just above it is still set rather than missed.
 */
const RECEIVE_SLACK_MS = 5_000;

/** The parts of a queue ARN (arn:<partition>:sqs:<region>:<account>:<name>). */
export function parseQueueArn(arn: string): { partition: string; region: string; account: string; name: string } | undefined {
  const [scheme, partition, service, region, account, name, ...rest] = arn.split(':');
  if (scheme !== 'arn' || service !== 'sqs' || !partition || !region || !account || !name || rest.length > 0) return undefined;
  return { partition, region, account, name };
}

/**
 * SQS's own URL of a queue, as the SDK would also send a request for it: the event gives the
 * queue's ARN only, and asking for the URL (GetQueueUrl) would cost a call and a permission.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
 */
export function queueUrlOf(arn: string): string | undefined {
  const q = parseQueueArn(arn);
  return q && `https://sqs.${q.region}.${q.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}/${q.account}/${q.name}`;
}

export function sqsRedelivery(opts: SqsRedeliveryOptions = {}): SqsRedelivery {
  const load = once(() => import('@aws-sdk/client-sqs').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SQSClient(awsClientConfig(opts)),
  })));
  /** Queue URLs by ARN: SQS's form, or under an endpoint override the emulator's own (asked once per cold start). */
  const urls = new Map<string, () => Promise<string | undefined>>();
  const urlOf = (arn: string): Promise<string | undefined> => {
    let read = urls.get(arn);
    if (!read) {
      const q = parseQueueArn(arn);
      read = !opts.endpoint || !q ? async () => queueUrlOf(arn) : once(async () => {
        const { sdk, client } = await load();
        return (await client.send(new sdk.GetQueueUrlCommand({ QueueName: q.name, QueueOwnerAWSAccountId: q.account }))).QueueUrl;
      });
      urls.set(arn, read);
    }
    return read();
  };
  /**
   * The queue's visibility timeout in seconds, read once per queue and cold start; undefined when
   * it cannot be read (asked again next time). Then no wait is set: one shorter than the timeout
   * would bring the record back sooner than the queue's own pace, each receive counting towards
   * maxReceiveCount, so without knowing it the queue's pace is kept.
   */
  const timeouts = new Map<string, () => Promise<number>>();
  const visibilityTimeout = (url: string, logger: Logger) => {
    let read = timeouts.get(url);
    if (!read) {
      read = once(async () => {
        const { sdk, client } = await load();
        const out = await client.send(new sdk.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
        return Number(out.Attributes?.VisibilityTimeout ?? 0);
      });
      timeouts.set(url, read);
    }
    return read().then((seconds) => (Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined), (e: unknown) => {
      logger.warn('could not read the queue visibility timeout; failed records come back at the queue\'s pace', { error: e });
      return undefined;
    });
  };

  return {
    async delay(items, elapsedMs, logger) {
      const byQueue = new Map<string, DelayedRecord[]>();
      for (const item of items) {
        // Through a promise: an odd record (no ARN) fails alone, not the batch's other delays.
        const url = await Promise.resolve().then(() => urlOf(item.record.eventSourceARN)).catch((e: unknown) => {
          logger.warn('could not find the queue of a failed record', { messageId: item.record.messageId, error: e });
          return undefined;
        });
        if (!url) {
          logger.warn('record from an unknown queue ARN; its asked wait is not set', { messageId: item.record.messageId });
          continue;
        }
        byQueue.set(url, [...(byQueue.get(url) ?? []), item]);
      }
      for (const [url, queued] of byQueue) {
        const timeout = await visibilityTimeout(url, logger);
        if (timeout === undefined) continue;
        const left = timeout * 1000 - elapsedMs - RECEIVE_SLACK_MS;
        // Whole seconds, rounded up: never visible before the asked time.
        const longer = queued.filter((q) => q.delayMs > left).map((q) => ({ ...q, seconds: Math.ceil(q.delayMs / 1000) }));
        for (let i = 0; i < longer.length; i += BATCH) await change(url, longer.slice(i, i + BATCH), logger);
      }
    },
  };

  async function change(url: string, items: readonly (DelayedRecord & { seconds: number })[], logger: Logger): Promise<void> {
    try {
      const { sdk, client } = await load();
      const out = await client.send(new sdk.ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: items.map((q, i) => ({ Id: String(i), ReceiptHandle: q.record.receiptHandle, VisibilityTimeout: q.seconds })),
      }));
      for (const f of out.Failed ?? []) {
        logger.warn('could not delay the redelivery of a failed record; it comes back at the queue\'s pace', {
          messageId: items[Number(f.Id)]?.record.messageId, code: f.Code,
        });
      }
    } catch (e) {
      logger.warn('could not delay the redelivery of failed records; they come back at the queue\'s pace', { records: items.length, error: e });
    }
  }
}
