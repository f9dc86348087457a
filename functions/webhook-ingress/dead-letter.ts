import { eachLimited } from '../../shared/batch/each-limited';
import { type DeadLetter, keepDeadLetter, rawBody } from '../../shared/deadletters/store';
import { AppError, errors, toAppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import { redactText } from '../../shared/log/redact';
import type { Deps, Ids } from '../../shared/ports';
import type { Verified } from '../../shared/webhooks';
import { buildEvents } from './event';
import { type ParsedPayload, parsePayload } from './payload';
import { type PreparedSource, sourceFor } from './source';

/**
 * What happens to a delivery once it is verified and parsed: normalize it and publish each event.
 * The ingress and a dead-letter replay both go through here, so a replay maps exactly as the
 * original request would have (same mapper, same stable event ids).
 */
export async function publishVerified(deps: Deps, source: PreparedSource, verified: Verified, payload: ParsedPayload): Promise<CloudEvent[]> {
  // A credential carried in the body (Graph's clientState) never becomes event data (scheme.ts).
  const { scrub } = source.scheme;
  const events = buildEvents(deps, source.id, source.config, verified, scrub ? { ...payload, data: scrub(payload.data) } : payload);
  // Several events (an Okta event hook batch, a Security Hub event with many findings): a few at
  // a time, since on a cloud bus each is a round trip and a hundred one after another could
  // outlast the sender's timeout; locally the calls of one turn share one commit, in their order.
  if (events.length === 1) await publishOne(deps, source, events[0]!);
  else await eachLimited(events, PUBLISH_LANES, (event) => publishOne(deps, source, event));
  return events;
}

/** Events of one delivery published at once, at most. */
export const PUBLISH_LANES = 8;

function publishOne(deps: Deps, source: PreparedSource, event: CloudEvent): Promise<void> {
  return deps.bus.publish(event).catch((e: unknown) => {
    deps.logger.error('publish failed', { source: source.id, eventId: event.id, error: e });
    // Larger than the bus takes (a Storage Queue message is 64 KiB): a retry cannot help, the
    // dead letter keeps the delivery for inspection, and the sender is told not to resend.
    if (toAppError(e).code === 'bus_message_too_large') {
      throw new AppError('publish_failed', 'The event is larger than the event bus accepts; it was kept as a dead letter', { status: 413, retryable: false, expose: true, cause: e });
    }
    throw errors.unavailable('publish_failed', 'The event could not be queued; retry the delivery', e);
  });
}

/**
 * Keeps a verified delivery that could not be processed (a mapper bug: an unexposed error; or a
 * failed publish) as an inbound dead letter, before the sender is answered. Exposed client errors
 * are the sender's to fix and are not kept. Never throws; answers false when a delivery that
 * should have been kept could not be (the store failed too), so the caller can make sure the
 * sender resends it.
 */
export async function keepWebhookDeadLetter(
  deps: Deps, source: PreparedSource, verified: Verified, body: Uint8Array, contentType: string | null, error: unknown,
): Promise<boolean> {
  const err = toAppError(error);
  if (err.expose && err.code !== 'publish_failed') return true;
  const reason = err.code === 'publish_failed' ? { code: err.code, message: err.message } : { code: 'mapping_failed', message: causeOf(err) };
  try {
    const kept = await keepDeadLetter(deps, {
      tenant: source.config.tenant, kind: 'webhook', source: source.id, reason, body,
      headers: contentType === null ? {} : { 'content-type': contentType },
      ...(verified.deliveryId !== undefined ? { deliveryId: verified.deliveryId } : {}),
      ...(verified.event !== undefined ? { event: verified.event } : {}),
      ...(verified.signature !== undefined ? { signature: verified.signature } : {}),
    });
    deps.logger.warn('webhook kept as dead letter', { source: source.id, deadLetterId: kept.id, code: reason.code });
    return true;
  } catch (e) {
    deps.logger.error('could not keep dead letter', { source: source.id, error: e });
    return false;
  }
}

/**
 * The answer to a sender whose delivery could not be published. A final answer (413: too large
 * for the bus, the sender should not resend) holds only when the delivery was kept; else it
 * would be lost, and a retryable 503 makes the sender resend it.
 */
export function unpublishedAnswer(error: unknown, kept: boolean): unknown {
  const err = toAppError(error);
  if (kept || err.retryable || err.code !== 'publish_failed') return error;
  return errors.unavailable('publish_failed', 'The event could not be queued nor kept as a dead letter; retry the delivery', error);
}

/**
 * Replays a webhook dead letter: parse the stored bytes and publish as the ingress does after
 * verification (it is not verified again: it was, when it arrived). The source must still be
 * configured for the same tenant, else 409 `source_unknown`; a body that still cannot be mapped
 * is 422 `still_invalid`.
 *
 * The events are built as of the delivery's arrival, not the replay: an event's `time` and a
 * finding's `logged_time` fall back to the receipt time, and a replay days later must not move
 * them. A delivery with no identity of its own (a credential scheme without idHeader/idPath) would
 * get random event ids on each replay; it gets ids derived from its dead letter instead, so
 * replaying it twice (or a client retrying the replay) yields events consumers can deduplicate.
 */
export async function replayWebhook(deps: Deps, record: DeadLetter): Promise<string[]> {
  let source: PreparedSource;
  try {
    source = sourceFor(deps, record.source ?? '');
  } catch {
    throw sourceUnknown();
  }
  if (source.config.tenant !== record.tenant) throw sourceUnknown();
  const verified: Verified = { deliveryId: record.deliveryId, event: record.event, signature: record.signature };
  let payload: ParsedPayload;
  try {
    payload = parsePayload(rawBody(record), record.headers?.['content-type'] ?? null);
  } catch (e) {
    throw stillInvalid(toAppError(e).message);
  }
  const receivedAt = Date.parse(record.receivedAt);
  const clock = Number.isFinite(receivedAt) ? { now: () => receivedAt } : deps.clock;
  const asReceived: Deps = { ...deps, clock, ids: deadLetterIds(record) };
  try {
    return (await publishVerified(asReceived, source, verified, payload)).map((e) => e.id);
  } catch (e) {
    const err = toAppError(e);
    if (err.code === 'publish_failed') throw err;
    throw stillInvalid(`The mapper still fails: ${redactText(causeOf(err)).slice(0, 500)}`);
  }
}

/** Ids in the order buildEvents asks for them, the same on every replay of one dead letter. */
function deadLetterIds(record: DeadLetter): Ids {
  let n = 0;
  return { uuid: () => stableEventId(record.tenant, record.source ?? '', 'dead-letter', record.id, String(n++)) };
}

/** The message of what the mapper threw (toAppError wraps it as the cause of internal_error). */
const causeOf = (err: AppError): string => (err.cause instanceof Error ? err.cause.message : err.message);

const sourceUnknown = () => new AppError('source_unknown', 'The webhook source of this dead letter is no longer configured for this tenant', { status: 409 });
export const stillInvalid = (message: string) => new AppError('still_invalid', message, { status: 422 });
