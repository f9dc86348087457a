import type { Attempt, Delivery } from '../../shared/delivery/model';

/** What a receiver of the fault test saw, per webhook-id. */
export interface Seen {
  requestsById: Map<string, number>;
  successById: Map<string, number>;
}

export interface RepeatCounts {
  /** webhook-ids answered 2xx more than once, whatever the cause. */
  repeatedSuccess: number;
  /** Requests receivers saw beyond the attempts recorded for their delivery. */
  unrecordedAttempts: number;
  /** Deliveries answered 2xx more often than their log records: an answer the worker took for a timeout or an error. */
  answeredButRecordedAsFailed: number;
  /**
   * Repeated webhook-ids with an attempt that went unrecorded: in flight when the worker was
   * killed (or sent under a lapsed lease), answered, then sent again. Counted here whenever the
   * delivery has such an attempt, even if a late answer could explain the repeat as well, so the
   * bound on these is the strict one.
   */
  repeatsAroundKill: number;
  /**
   * Repeated webhook-ids whose every attempt is recorded: one was recorded as a timeout or an
   * error though the receiver had answered 2xx (its answer came after the client's deadline, as
   * on a loaded machine), so the delivery was rightly tried again.
   */
  lateAnswerRepeats: number;
  /** 2xx answers that neither a recorded attempt nor an unrecorded one can account for: must be 0. */
  unexplainedSuccesses: number;
  /** Deliveries with more than one recorded 2xx attempt (tried again after a success): must be 0. */
  recordedSuccessTwice: number;
}

/**
 * Matches what the receivers saw against the delivery records. A delivery's 2xx answers can come
 * from its recorded 2xx attempt, from attempts recorded without a status (timeout, error) whose
 * answer was late, and from attempts never recorded; anything beyond those is a repeat with no
 * cause, and a second recorded success is a retry after success.
 */
const answered2xx = (a: Attempt): boolean => a.status !== undefined && a.status < 300;

export function countRepeats(receivers: readonly Seen[], deliveries: readonly Delivery[]): RepeatCounts {
  const byId = new Map(deliveries.map((d) => [d.id, d]));
  const counts: RepeatCounts = {
    repeatedSuccess: 0, unrecordedAttempts: 0, answeredButRecordedAsFailed: 0, repeatsAroundKill: 0, lateAnswerRepeats: 0, unexplainedSuccesses: 0, recordedSuccessTwice: 0,
  };
  for (const rx of receivers) {
    for (const [id, seen] of rx.requestsById) {
      const attempts = byId.get(id)?.attempts ?? [];
      const unrecorded = Math.max(0, seen - attempts.length);
      const recorded2xx = attempts.filter(answered2xx).length;
      const withoutStatus = attempts.filter((a) => a.status === undefined).length;
      const successes = rx.successById.get(id) ?? 0;
      counts.unrecordedAttempts += unrecorded;
      if (seen === attempts.length && successes > recorded2xx) counts.answeredButRecordedAsFailed += 1;
      counts.unexplainedSuccesses += Math.max(0, successes - recorded2xx - withoutStatus - unrecorded);
      if (successes > 1) {
        counts.repeatedSuccess += 1;
        if (unrecorded > 0) counts.repeatsAroundKill += 1;
        else counts.lateAnswerRepeats += 1;
      }
    }
  }
  counts.recordedSuccessTwice = deliveries.filter((d) => d.attempts.filter(answered2xx).length > 1).length;
  return counts;
}
