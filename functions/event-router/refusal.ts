import { AppError, toAppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Deps } from '../../shared/ports';
import { doneTtlSeconds } from './dead-letter';
import { claimKey, routedKey } from './keys';

/**
 * The "refused for good" marks of (event, destination). A destination that failed for good (a 4xx
 * refusal, `connector_outcome_unknown` of a call that may have been applied) is not called again
 * when the message comes back because another destination failed retryably, or as a duplicate
 * copy: a second POST could be applied twice. Its recorded failure counts again instead, so the
 * event ends as the dead letter one receive with every failure would have kept. A replay of that
 * dead letter clears the marks (functions/api/dead-letters.ts): the cause is meant to be fixed.
 */
interface Refusal {
  code: string;
  message: string;
  status: number;
}

/** The value of a delivered mark (routedKey); any other value is a refusal. */
export const DELIVERED = '1';

/**
 * Records a refusal as the destination's mark of the event (routedKey, where a delivery writes
 * DELIVERED: one read tells both), with the code and message a dead letter shows, never more.
 */
export async function rememberRefusal(deps: Deps, event: CloudEvent, destination: string, error: unknown): Promise<void> {
  const e = toAppError(error);
  const refusal: Refusal = { code: e.code, message: e.message, status: e.status };
  await deps.store.put(routedKey(event, destination), JSON.stringify(refusal), { ttlSeconds: doneTtlSeconds(deps) });
}

/** The refusal a mark records, as a final (not retryable) failure; undefined for a delivered mark. */
export function refusalOf(mark: string): AppError | undefined {
  if (mark === DELIVERED) return undefined;
  let r: Partial<Refusal> = {};
  try {
    r = JSON.parse(mark) as Partial<Refusal>;
  } catch {
    // Unreadable: still a refusal, named generically.
  }
  return new AppError(typeof r.code === 'string' ? r.code : 'destination_refused', typeof r.message === 'string' ? r.message : 'Refused on an earlier receive', {
    status: typeof r.status === 'number' ? r.status : 502, retryable: false, expose: false, extra: { refusedEarlier: true },
  });
}

/**
 * Clears the event's refusals by these destinations, with the claims their refused calls left to
 * lapse (a replay calls them again); their delivered marks stay, so those that took the event are
 * still skipped.
 */
export async function forgetRefusals(deps: Deps, event: CloudEvent, destinationNames: readonly string[]): Promise<void> {
  await Promise.all(destinationNames.map(async (name) => {
    const key = routedKey(event, name);
    const mark = await deps.store.get(key);
    if (!mark || mark.value === DELIVERED) return;
    // The claim of the call that was refused is left to lapse (./handler.ts): released here too, so
    // the replayed event need not wait for it.
    await deps.store.delete(claimKey(event, name));
    await deps.store.delete(key);
  }));
}
