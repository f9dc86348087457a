import type { InboundRecord } from '../../shared/contracts';
import { keepDeadLetter } from '../../shared/deadletters/store';
import { toAppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { lastReceive } from '../event-router/dead-letter';

/**
 * What becomes of an EventBridge event cloud-findings could not process. Lambda retries a thrown
 * event (serverless.yml `maximumRetryAttempts`), then sends it to the on-failure queue, which the
 * API cannot list or replay. So, as the router does with a poison message:
 * - a failure no retry mends (`invalid_event`, a finding the bus refuses for good) is kept at once
 *   as an inbound dead letter, kind `eventbridge`, its body the event as received, and the
 *   invocation succeeds: retrying it twice would fail twice the same way;
 * - any other (bus or state store down) is thrown for Lambda to retry, except at the record's
 *   last attempt (lastReceive: the adapter counts attempts, providers/aws/eventbridge.ts), where
 *   it is kept the same way.
 * When the dead letter cannot be kept, `failure` is thrown: the on-failure queue stays the last
 * resort. A replay (POST /dead-letters/{id}/replay) runs publishFindingEvents on the body again.
 */
export async function failUnlessKept(deps: Deps, record: InboundRecord, failure: unknown, tenant: string): Promise<void> {
  const error = toAppError(failure);
  const final = !error.retryable;
  if (!final && !lastReceive(record, failure)) throw failure;
  const message = final ? error.message : `Failed at attempt ${record.receiveCount} of ${record.maxReceives}: ${error.message}`;
  const log = deps.logger.child({ eventId: record.id });
  const kept = await keepDeadLetter(deps, { tenant, kind: 'eventbridge', body: record.body, reason: { code: error.code, message } })
    .catch((keepError: unknown) => {
      log.error('could not keep dead letter', { error: keepError });
      throw failure;
    });
  log.warn(final ? 'event cannot be processed; kept as dead letter' : 'event failed at its last attempt; kept as dead letter', {
    deadLetterId: kept.id, code: error.code, receiveCount: record.receiveCount,
  });
}
