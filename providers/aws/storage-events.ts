import type { EventBridgeEvent, S3Event, S3EventRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runBatch } from '../../shared/batch/runner';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { awsEventBridge } from './eventbridge';
import { awsSqs } from './sqs';

/**
 * One Lambda for every way S3 can announce a new object, told apart by a type guard:
 * - directly (S3 invokes the function asynchronously): each record is run; a failure is THROWN so
 *   Lambda retries the event and then sends it to the on-failure destination
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html); records already ingested are
 *   duplicates on the retry and publish nothing;
 * - through SQS: per-record batchItemFailures (providers/aws/sqs.ts; the body is the S3
 *   notification, or S3's test event when the notification is set up);
 * - through EventBridge (an "Object Created" rule): one record, thrown on failure.
 */
export type AwsStorageEvent = S3Event | SQSEvent | EventBridgeEvent<string, unknown>;

type Records = { Records?: { eventSource?: string }[] };
const sourceOf = (event: unknown): string | undefined => (event as Records | null)?.Records?.[0]?.eventSource;

export const isSqsEvent = (event: unknown): event is SQSEvent => sourceOf(event) === 'aws:sqs';
export const isS3Event = (event: unknown): event is S3Event => sourceOf(event) === 'aws:s3';
export const isEventBridgeEvent = (event: unknown): event is EventBridgeEvent<string, unknown> =>
  typeof event === 'object' && event !== null && typeof (event as Record<string, unknown>)['detail-type'] === 'string';

/** One S3 record as a notification of its own, identified like S3 identifies the request. */
export function s3Record(r: S3EventRecord, i: number): InboundRecord {
  const id = r.responseElements?.['x-amz-request-id'] ?? r.s3?.object?.sequencer ?? `record-${i}`;
  return { id: `${id}#${i}`, body: JSON.stringify({ Records: [r] }), attributes: { eventName: r.eventName ?? '' } };
}

export function awsStorageEvents(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  const sqs = awsSqs(handler, getDeps);
  const eventBridge = awsEventBridge(handler, getDeps);
  async function direct(event: S3Event): Promise<void> {
    const outcomes = await runBatch(event.Records.map(s3Record), handler, await getDeps());
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
  }
  return async (event: AwsStorageEvent): Promise<SQSBatchResponse | void> => {
    if (isSqsEvent(event)) return sqs(event);
    if (isS3Event(event)) return direct(event);
    if (isEventBridgeEvent(event)) return eventBridge(event);
    throw new AppError('invalid_event', 'Not an S3, SQS or EventBridge event', { status: 400, retryable: false });
  };
}
