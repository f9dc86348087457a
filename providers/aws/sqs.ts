import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { failedIds, runBatch } from '../../shared/batch/runner';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';

/**
 * SQS trigger adapter with partial batch responses, after aws-powertools packages/batch.
 * The event source mapping MUST enable ReportBatchItemFailures (serverless.yml:
 * `functionResponseType: ReportBatchItemFailures`); without it Lambda ignores
 * `batchItemFailures` and a returned batch counts as fully processed, losing the failed records:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
export function toInboundRecord(r: SQSRecord): InboundRecord {
  const attributes: Record<string, string> = {};
  for (const [name, attr] of Object.entries(r.messageAttributes ?? {})) {
    // Binary attributes have no text form; String and Number ones carry stringValue.
    if (typeof attr.stringValue === 'string') attributes[name] = attr.stringValue;
  }
  const count = Number(r.attributes?.ApproximateReceiveCount);
  const record: InboundRecord = { id: r.messageId, body: r.body, attributes };
  if (Number.isInteger(count) && count > 0) record.receiveCount = count;
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

export function awsSqs(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const run = isFifo(event) ? fifoGuard(event, handler) : handler;
    const outcomes = await runBatch(event.Records.map(toInboundRecord), run, deps);
    return { batchItemFailures: failedIds(outcomes).map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
