import type { DeadLetter } from '../../shared/deadletters/store';
import { AppError, toAppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Deps } from '../../shared/ports';
import { stillInvalid } from '../webhook-ingress/dead-letter';

/** Findings of the cloud-findings capability belong to this tenant (functions/cloud-findings). */
const CLOUD_FINDINGS_TENANT = 'default';

const publishFailed = (cause: unknown) =>
  new AppError('publish_failed', 'The findings could not be published; retry the replay', { status: 503, retryable: true, expose: true, cause, headers: { 'retry-after': '1' } });

/**
 * Replays an `eventbridge` dead letter: the cloud-findings function runs again on the stored
 * EventBridge event, as of the dead letter's receipt (a finding's logged_time does not move), with
 * this function's bus and state store. Ids derive from the findings (and first-seen records), so
 * a replay publishes the ids the event would have had, its first revision still `created`.
 * A replay that fails again leaves the dead letter as it is: `422 still_invalid` (the event still
 * cannot be mapped), `413 event_too_large` (a finding larger than the bus takes; the others are
 * published), `503` when the bus or the state store failed (retry the replay).
 */
export async function replayEventBridge(deps: Deps, record: DeadLetter): Promise<{ ids: string[] }> {
  if (record.tenant !== CLOUD_FINDINGS_TENANT) throw stillInvalid(`Cloud findings are published for tenant ${CLOUD_FINDINGS_TENANT}, not this dead letter's`);
  const bus = {
    publish: async (e: CloudEvent) => {
      try {
        await deps.bus.publish(e);
      } catch (err) {
        // A refusal of this one event is the handler's to report (it publishes the others).
        throw toAppError(err).retryable ? publishFailed(err) : err;
      }
    },
    check: () => deps.bus.check(),
  };
  const body = record.encoding === 'base64' ? Buffer.from(record.body, 'base64').toString('utf8') : record.body;
  const receivedAt = Date.parse(record.receivedAt);
  try {
    // Loaded on a replay only: the AWS finding mappers stay out of the API's cold start.
    const { publishFindingEvents } = await import('../cloud-findings/handler');
    return { ids: await publishFindingEvents(body, { ...deps, bus }, Number.isFinite(receivedAt) ? receivedAt : deps.clock.now()) };
  } catch (e) {
    const err = toAppError(e);
    if (err.code === 'bus_message_too_large') {
      throw new AppError('event_too_large', 'A finding of the event is larger than the event bus accepts; a replay cannot succeed', { status: 413, expose: true, cause: e });
    }
    if (err.code === 'finding_state_unavailable') {
      throw new AppError('store_unavailable', 'The first-seen records of the findings could not be read or written; retry the replay', { status: 503, retryable: true, expose: true, cause: e, headers: { 'retry-after': '1' } });
    }
    if (err.retryable) throw err;
    throw stillInvalid(err.message);
  }
}
