import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type InboundRecord, type RecordHandler, redeliveryDelayMs } from '../../shared/contracts';
import { type RecordOutcome, failedIds, runBatch } from '../../shared/batch/runner';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { queueMaxReceives } from '../common/queue-max-receives';
import type { DelayedRecord, SqsRedelivery } from './sqs-redelivery';

/**
 * Mirrors serverless.yml's `maxReceiveCount` (5, on every queue it declares): SQS moves a message
 * received that often to the queue's dead-letter queue when it fails again. A test reads
 * serverless.yml to keep the two equal; a queue deployed with another count sets
 * SECORCH_QUEUE_MAX_RECEIVES (providers/common/queue-max-receives.ts).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export const SQS_MAX_RECEIVE_COUNT = 5;

/**
 * SQS trigger adapter with partial batch responses, after aws-powertools packages/batch.
 * The event source mapping MUST enable ReportBatchItemFailures (serverless.yml:
 * `functionResponseType: ReportBatchItemFailures`); without it Lambda ignores
 * `batchItemFailures` and a returned batch counts as fully processed, losing the failed records:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 *
 * The record of one SQS message; `maxReceives` goes with its receive count (ApproximateReceiveCount).
 */
export function toInboundRecord(r: SQSRecord, maxReceives = SQS_MAX_RECEIVE_COUNT): InboundRecord {
  const attributes: Record<string, string> = {};
  for (const [name, attr] of Object.entries(r.messageAttributes ?? {})) {
    // Binary attributes have no text form; String and Number ones carry stringValue.
    if (typeof attr.stringValue === 'string') attributes[name] = attr.stringValue;
  }
  const count = Number(r.attributes?.ApproximateReceiveCount);
  const record: InboundRecord = { id: r.messageId, body: r.body, attributes };
  if (Number.isInteger(count) && count > 0) {
    record.receiveCount = count;
    record.maxReceives = maxReceives;
  }
  return record;
}

/**
 * FIFO queues deliver a message group in order. Once a record of a group fails, the later ones
 * of that group must not be processed ahead of it: they are failed unprocessed so SQS redelivers
 * them after it (the skipGroupOnError behaviour of powertools' SqsFifoPartialProcessor).
 */
function fifoGuard(event: SQSEvent, handler: RecordHandler): RecordHandler {
  const groupOf = new Map(event.Records.map((r) => [r.messageId, r.attributes?.MessageGroupId]));
  const failedGroups = new Set<string>();
  return async (record, deps) => {
    const group = groupOf.get(record.id);
    if (group !== undefined && failedGroups.has(group)) {
      throw new AppError('fifo_group_blocked', 'An earlier message of this FIFO group failed', { status: 409, retryable: true });
    }
    try {
      await handler(record, deps);
    } catch (e) {
      if (group !== undefined) failedGroups.add(group);
      throw e;
    }
  };
}

/**
 * A FIFO queue's name ends in ".fifo" and its messages carry a SequenceNumber. MessageGroupId
 * alone says nothing: standard queues take it too, for fair queues, and keep no order within a
 * group, so blocking a group there would only fail good records until they reach the DLQ:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagegroupid-property.html
 */
const isFifo = (event: SQSEvent): boolean =>
  event.Records.some((r) => r.eventSourceARN?.endsWith('.fifo') || r.attributes?.SequenceNumber !== undefined);

export interface AwsSqsOptions {
  /**
   * Sets the visibility of failed records whose error asks for a later retry (sqs-redelivery.ts).
   * Without it they come back at the queue's own pace (its visibility timeout).
   */
  redelivery?: SqsRedelivery;
}

/** The failed records that ask for a wait, with it. */
function delayed(event: SQSEvent, outcomes: readonly RecordOutcome[]): DelayedRecord[] {
  const byId = new Map(event.Records.map((r) => [r.messageId, r]));
  const out: DelayedRecord[] = [];
  for (const o of outcomes) {
    const delayMs = o.ok ? undefined : redeliveryDelayMs(o.error);
    const record = byId.get(o.id);
    if (delayMs !== undefined && record) out.push({ record, delayMs });
  }
  return out;
}

/** When Lambda ends this invocation (its timeout), from the context; undefined when not invoked by Lambda (tests). */
export function invocationDeadline(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined, now: number): number | undefined {
  const left = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  return typeof left === 'number' && Number.isFinite(left) && left >= 0 ? now + left : undefined;
}

export function awsSqs(handler: RecordHandler, getDeps: () => Promise<Deps>, opts: AwsSqsOptions = {}) {
  return async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const received = deps.clock.now();
    const run = isFifo(event) ? fifoGuard(event, handler) : handler;
    const deadline = invocationDeadline(context, received);
    const maxReceives = queueMaxReceives(SQS_MAX_RECEIVE_COUNT);
    const records = event.Records.map((r) => ({ ...toInboundRecord(r, maxReceives), ...(deadline === undefined ? {} : { deadline }) }));
    const outcomes = await runBatch(records, run, deps);
    const waits = opts.redelivery ? delayed(event, outcomes) : [];
    // Before answering: once Lambda has the answer the receipt handles may be used by the next receive.
    if (waits.length > 0) {
      await opts.redelivery!.delay(waits, deps.clock.now() - received, deps.logger)
        .catch((e: unknown) => deps.logger.warn('could not delay the redelivery of failed records', { error: e }));
    }
    return { batchItemFailures: failedIds(outcomes).map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
