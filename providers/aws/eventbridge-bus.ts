import { runBatch } from '../../shared/batch/runner';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';
import type { Context } from 'aws-lambda';
import type { AwsEventBridgeEvent } from './eventbridge';
import { invocationDeadline } from './sqs';

/**
 * The router's trigger when `bus.type` is `eventbridge`: a rule on the bus (matching the
 * configured `source`) targets the router, and each event's `detail` is the CloudEvent
 * eventBridgeBus put there. providers/aws/eventbridge.ts is the other EventBridge adapter: it
 * hands the WHOLE envelope to cloud-findings (AWS service events); this one unwraps the detail.
 */
export function busRecord(event: AwsEventBridgeEvent): InboundRecord {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<string, unknown>>;
  const attributes: Record<string, string> = {};
  for (const name of ['source', 'detail-type', 'time']) {
    const v = e[name];
    if (typeof v === 'string') attributes[name] = v;
  }
  return {
    id: typeof e.id === 'string' && e.id !== '' ? e.id : 'unknown',
    // A missing detail becomes "null", which the router keeps as an invalid_event dead letter.
    body: JSON.stringify(e.detail) ?? 'null',
    attributes,
  };
}

/**
 * EventBridge invokes Lambda asynchronously, one event per invocation, so a failed record is
 * THROWN: Lambda retries it (twice by default), then sends it to the function's on-failure
 * destination or DLQ. Returning normally would drop it.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export function awsEventBridgeBus(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (event: AwsEventBridgeEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> => {
    const deps = await getDeps();
    const deadline = invocationDeadline(context, deps.clock.now());
    const [outcome] = await runBatch([{ ...busRecord(event), ...(deadline === undefined ? {} : { deadline }) }], handler, deps);
    if (outcome !== undefined && !outcome.ok) throw outcome.error;
  };
}
