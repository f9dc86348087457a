import type { EventBridgeEvent } from 'aws-lambda';
import { runBatch } from '../../shared/batch/runner';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import type { Deps, StateStore } from '../../shared/ports';
import { keyPart } from '../../shared/store/key-part';

/**
 * EventBridge rule target adapter: the event is one record for a RecordHandler.
 * EventBridge invokes Lambda asynchronously, so on failure this THROWS: Lambda then retries the
 * event (serverless.yml `maximumRetryAttempts`) and, when retries are exhausted, sends it to the
 * function's on-failure destination or DLQ; a rule target's own DLQ receives the events
 * EventBridge could not deliver at all. Returning normally would drop a failed event.
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 *
 * Lambda does not tell an invocation which attempt it is. Given `maxAttempts` (cloud-findings),
 * the adapter counts them per EventBridge event id in the state store and gives the record
 * `receiveCount` and `maxReceives`: the handler keeps an event failing at its last attempt as an
 * inbound dead letter (listed and replayed through the API) instead of letting it reach that
 * queue. Without a count (none asked, no event id, or the store failed) the record has neither,
 * and the queue stays the last resort.
 */
export type AwsEventBridgeEvent = EventBridgeEvent<string, unknown>;

/** Lambda's attempts at a cloudFindings event: 1 + serverless.yml's `maximumRetryAttempts` (2); test/deploy checks they agree. */
export const EVENTBRIDGE_MAX_ATTEMPTS = 3;
/**
 * How long an attempt count is kept. Lambda's retries of an event come within about 3 minutes
 * (1, then 2 minutes apart); a day also covers an EventBridge redelivery, which counts on.
 */
export const ATTEMPTS_TTL_SECONDS = 24 * 3600;
export const attemptsKey = (eventId: string) => `ebattempts:${keyPart(eventId)}`;

export function toInboundRecord(event: AwsEventBridgeEvent): InboundRecord {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<string, unknown>>;
  const attributes: Record<string, string> = {};
  for (const name of ['source', 'detail-type', 'account', 'region']) {
    const v = e[name];
    if (typeof v === 'string') attributes[name] = v;
  }
  return { id: typeof e.id === 'string' && e.id !== '' ? e.id : 'unknown', body: JSON.stringify(event) ?? 'null', attributes };
}

/** This attempt's number: the count of the event's attempts, one more (a conditional write). */
export async function countAttempt(store: StateStore, eventId: string): Promise<number> {
  const key = attemptsKey(eventId);
  for (let i = 0; i < 3; i++) {
    const item = await store.get(key);
    const count = (item === undefined ? 0 : Number.parseInt(item.value, 10) || 0) + 1;
    const condition = item === undefined ? { ifAbsent: true as const } : { ifVersion: item.version };
    if (await store.put(key, String(count), { ...condition, ttlSeconds: ATTEMPTS_TTL_SECONDS })) return count;
  }
  throw new Error('attempt count changed during every update');
}

export function awsEventBridge(handler: RecordHandler, getDeps: () => Promise<Deps>, { maxAttempts }: { maxAttempts?: number } = {}) {
  return async (event: AwsEventBridgeEvent): Promise<void> => {
    const deps = await getDeps();
    const record = toInboundRecord(event);
    if (maxAttempts !== undefined && record.id !== 'unknown') {
      const attempt = await countAttempt(deps.store, record.id).catch((e: unknown) => {
        deps.logger.warn('could not count the attempts of an EventBridge event; failures are retried as Lambda does', { eventId: record.id, error: e });
        return undefined;
      });
      if (attempt !== undefined) Object.assign(record, { receiveCount: attempt, maxReceives: maxAttempts });
    }
    const [outcome] = await runBatch([record], handler, deps);
    if (outcome !== undefined && !outcome.ok) throw outcome.error;
  };
}
