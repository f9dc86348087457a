import type { CloudEvent } from '@google-cloud/functions-framework';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import { keepDeadLetter } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { queueMaxReceives } from '../common/queue-max-receives';
import { depsOrLogged } from './deps-failure';

/**
 * Pub/Sub-triggered Cloud Function (CloudEvent `google.cloud.pubsub.topic.v1.messagePublished`,
 * delivered by Eventarc as an HTTP push) -> portable RecordHandler.
 * https://cloud.google.com/functions/docs/calling/pubsub
 * Data schema (google.events.cloud.pubsub.v1.MessagePublishedData):
 * https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/pubsub/v1/data.proto
 */
export const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

export interface PubsubMessage {
  /** Base64 of the message bytes; absent for attribute-only messages. */
  data?: string;
  attributes?: Record<string, string>;
  messageId: string;
  publishTime?: string;
  orderingKey?: string;
}

export interface MessagePublishedData {
  message: PubsubMessage;
  subscription?: string;
  /** Set by Pub/Sub when the subscription has a dead-letter policy (push body field). */
  deliveryAttempt?: number;
}

// ignoreBOM keeps a leading byte order mark in the text: dropped, a dead letter of the message
// would not be its bytes, and a CloudEvent behind one would be read here but refused on SQS.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Message bytes as text; bytes that are not UTF-8 stay base64, flagged (InboundRecord contract), so
 * a dead letter of such a message keeps the bytes rather than their base64 text. Re-encoded from
 * the decoded bytes: the push may spell the same bytes in more than one base64 form.
 */
function decodeData(data: string | undefined): Pick<InboundRecord, 'body' | 'bodyEncoding'> {
  if (!data) return { body: '' };
  const bytes = Buffer.from(data, 'base64');
  try {
    return { body: utf8.decode(bytes) };
  } catch {
    return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
  }
}

/**
 * The message of the push: the event's data when Eventarc delivered it or the functions-framework
 * converted a direct push, else the direct push body itself. The framework converts a direct push
 * (`{ message, subscription }`) only when the message has data, so an attribute-only message
 * reaches the function as that body.
 * https://cloud.google.com/pubsub/docs/push#receive_push
 */
export function publishedData(ce: CloudEvent<MessagePublishedData>): MessagePublishedData | undefined {
  if (ce.data?.message) return ce.data;
  const push = ce as unknown as Partial<MessagePublishedData>;
  return push.message && typeof push.subscription === 'string' ? (push as MessagePublishedData) : undefined;
}

/**
 * A subscription's max delivery attempts when its dead-letter policy does not set them (Pub/Sub's
 * default): a message delivered that often is forwarded to the dead-letter topic when it fails
 * again. A subscription with another sets SECORCH_QUEUE_MAX_RECEIVES (providers/common/queue-max-receives.ts).
 * https://cloud.google.com/pubsub/docs/handling-failures#dead_letter_topic
 */
export const PUBSUB_MAX_DELIVERY_ATTEMPTS = 5;

/**
 * The record for one messagePublished event; refuses anything else with a clear error. Pub/Sub
 * counts delivery attempts only for a subscription with a dead-letter policy, so only then has the
 * record a receiveCount, and with it maxReceives.
 */
export function pubsubRecord(ce: CloudEvent<MessagePublishedData>, maxDeliveryAttempts = queueMaxReceives(PUBSUB_MAX_DELIVERY_ATTEMPTS)): InboundRecord {
  const published = publishedData(ce);
  const message = published?.message;
  if (!message || typeof message.messageId !== 'string') {
    // Not retryable: redelivering the same malformed event cannot help.
    throw new AppError('invalid_event', `Not a Pub/Sub messagePublished event (type ${String(ce.type)})`, { status: 400, retryable: false });
  }
  const attempt = Number(published.deliveryAttempt);
  return {
    id: message.messageId,
    ...decodeData(message.data),
    attributes: { ...(message.attributes ?? {}) },
    ...(Number.isInteger(attempt) && attempt > 0 ? { receiveCount: attempt, maxReceives: maxDeliveryAttempts } : {}),
  };
}

/**
 * A push that is no Pub/Sub message, kept as an inbound dead letter of what arrived (the event
 * router keeps a message that is no event the same way), so that it is acknowledged instead of
 * redelivered until the subscription's retention ends. Unkept, the refusal is thrown: redelivered.
 */
async function keepUnreadable(deps: Deps, ce: CloudEvent<MessagePublishedData>, refused: AppError): Promise<void> {
  const kept = await keepDeadLetter(deps, {
    tenant: 'default', kind: 'event', body: JSON.stringify(ce), reason: { code: refused.code, message: refused.message },
  }).catch((keepError: unknown) => {
    deps.logger.error('could not keep dead letter', { eventId: String(ce.id), error: keepError });
    throw refused;
  });
  deps.logger.warn('push that is no Pub/Sub message kept as dead letter', { eventId: String(ce.id), deadLetterId: kept.id, tenant: kept.tenant });
}

/**
 * Wraps a record handler as a CloudEvent function, for
 * `functions.cloudEvent('eventRouter', gcpPubSub(h, getDeps))`.
 *
 * A failed record is THROWN: the framework then answers the push with an error status, so
 * Pub/Sub nacks it, redelivers with backoff and, after the subscription's max delivery attempts,
 * forwards it to the dead-letter topic. Resolving answers 204, which acks the message. A message
 * no retry can mend, or one failing at its last attempt (maxReceives), is the handler's to keep
 * (the event router keeps it as a dead letter).
 * https://cloud.google.com/pubsub/docs/handling-failures
 */
export function gcpPubSub(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (ce: CloudEvent<MessagePublishedData>): Promise<void> => {
    const deps = await depsOrLogged(getDeps);
    let record: InboundRecord;
    try {
      record = pubsubRecord(ce);
    } catch (e) {
      await keepUnreadable(deps, ce, e as AppError);
      return;
    }
    const [outcome] = await runBatch([record], handler, deps);
    // An AppError; for unexpected failures its message is the generic "Internal error", so the
    // framework's error answer and log line carry nothing internal (runBatch logged the cause).
    if (outcome && !outcome.ok) throw outcome.error;
  };
}
