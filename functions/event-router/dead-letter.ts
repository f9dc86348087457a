import { type InboundRecord, redeliveryDelayMs } from '../../shared/contracts';
import { type DeadLetter, keepDeadLetter } from '../../shared/deadletters/store';
import { toAppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { tenantOf } from '../../shared/events/tenant';
import type { Deps, Logger } from '../../shared/ports';
import { routedKey } from './keys';

const DAY_SECONDS = 24 * 3600;
/**
 * How long a "delivered to destination" mark is kept: longer than any queue redelivery window
 * (7 days), and longer than the event's dead letter lives (deliveries.retentionDays, from its
 * creation, which can follow the mark by that window): a replay of the dead letter on its last
 * day must still skip the destinations that took the event.
 */
export const doneTtlSeconds = (deps: Deps) => ((deps.config.deliveries?.retentionDays ?? 30) + 7) * DAY_SECONDS;

export interface DestinationFailure {
  name: string;
  error: unknown;
}

/** Each failure as a dead letter's reason names it: `destination: code: message`, `; ` between. */
export const failureReasons = (failures: readonly DestinationFailure[]): string =>
  failures.map((f) => {
    // An unexpected error reads as the record failure it would have been ("Internal error"): the
    // reason is shown through the API, the cause stays in the log.
    const e = toAppError(f.error);
    return `${f.name}: ${e.code}: ${e.message}`;
  }).join('; ');

/**
 * True when the record fails at the last receive its platform allows (InboundRecord.maxReceives):
 * thrown, it would go to the platform's own dead-letter queue. Not when its adapter sends a
 * failure asking for this wait back to the queue delayed (minDeferredWaitMs): that is not the end.
 */
export function lastReceive(record: InboundRecord, failure: unknown): boolean {
  const { receiveCount, maxReceives, minDeferredWaitMs } = record;
  if (receiveCount === undefined || maxReceives === undefined || receiveCount < maxReceives) return false;
  const error = toAppError(failure);
  const waitMs = error.retryable ? redeliveryDelayMs(error) : undefined;
  return minDeferredWaitMs === undefined || waitMs === undefined || waitMs < minDeferredWaitMs;
}

export interface EventDeadLetter {
  record: InboundRecord;
  event: CloudEvent;
  reason: DeadLetter['reason'];
  /** The destinations that have the event: their delivered marks are renewed with the dead letter. */
  took: readonly string[];
  /** What the record fails with when the dead letter cannot be kept: the queue keeps it then. */
  failure: unknown;
}

/**
 * Keeps an event the router gives up on as an inbound dead letter (listed and replayable through
 * /dead-letters; a replay skips the destinations that took it) and renews the delivered marks of
 * the destinations that took it. Throws `failure` when it cannot be kept.
 */
export async function keepEventDeadLetter(deps: Deps, log: Logger, d: EventDeadLetter): Promise<DeadLetter> {
  const kept = await keepDeadLetter(deps, {
    tenant: tenantOf(d.event), kind: 'event', body: d.record.body, reason: d.reason,
  }).catch((keepError: unknown) => {
    log.error('could not keep dead letter', { messageId: d.record.id, error: keepError });
    throw d.failure;
  });
  // A failure repeated by a replay gives the dead letter a new retention: the marks of the
  // destinations that took the event are renewed with it, or a replay near its new end would
  // send them a second copy.
  await Promise.all(d.took.map((name) => deps.store.put(routedKey(d.event, name), '1', { ttlSeconds: doneTtlSeconds(deps) })))
    .catch((e: unknown) => log.warn('could not renew the delivered marks of a dead-lettered event', { deadLetterId: kept.id, error: e }));
  return kept;
}

/**
 * The record's `failure` is thrown for the queue to redeliver, unless this is its last receive
 * (lastReceive): then the event is kept as a dead letter naming every failure (`failures`, and the
 * fan-out's when it failed), with the code of `failure`, and the record is acknowledged. Kept
 * there, not in the platform's dead-letter queue (an SQS DLQ, a poison queue, a dead-letter topic),
 * where it could not be listed or replayed through the API. Throws `failure` when it cannot be kept:
 * that queue stays the last resort.
 */
export async function failUnlessLastReceive(
  deps: Deps, log: Logger, record: InboundRecord, event: CloudEvent,
  failed: { failure: unknown; failures: readonly DestinationFailure[]; fanOutError?: unknown; took: readonly string[] },
): Promise<void> {
  if (!lastReceive(record, failed.failure)) throw failed.failure;
  const all = failed.fanOutError === undefined ? failed.failures : [...failed.failures, { name: 'fan-out to subscriptions', error: failed.fanOutError }];
  const reason = { code: toAppError(failed.failure).code, message: `Failed on all ${record.receiveCount} receives: ${failureReasons(all)}` };
  const kept = await keepEventDeadLetter(deps, log, { record, event, reason, took: failed.took, failure: failed.failure });
  log.warn('event failed at its last receive before the queue\'s own dead-letter queue; kept as dead letter', {
    destinations: failed.failures.map((f) => f.name), receiveCount: record.receiveCount, deadLetterId: kept.id,
  });
}
