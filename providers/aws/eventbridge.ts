import type { EventBridgeEvent } from 'aws-lambda';
import { runBatch } from '../../shared/batch/runner';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';

/**
 * EventBridge rule target adapter: the event is one record for a RecordHandler.
 * EventBridge invokes Lambda asynchronously, so on failure this THROWS: Lambda then retries the
 * event (twice by default) and, when retries are exhausted, sends it to the function's
 * on-failure destination or DLQ; a rule target's own DLQ receives the events EventBridge could
 * not deliver at all. Returning normally would drop a failed event.
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export type AwsEventBridgeEvent = EventBridgeEvent<string, unknown>;

export function toInboundRecord(event: AwsEventBridgeEvent): InboundRecord {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<string, unknown>>;
  const attributes: Record<string, string> = {};
  for (const name of ['source', 'detail-type', 'account', 'region']) {
    const v = e[name];
    if (typeof v === 'string') attributes[name] = v;
  }
  return { id: typeof e.id === 'string' && e.id !== '' ? e.id : 'unknown', body: JSON.stringify(event) ?? 'null', attributes };
}

export function awsEventBridge(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (event: AwsEventBridgeEvent): Promise<void> => {
    const deps = await getDeps();
    const [outcome] = await runBatch([toInboundRecord(event)], handler, deps);
    if (outcome !== undefined && !outcome.ok) throw outcome.error;
  };
}
