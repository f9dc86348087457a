import type { CloudEvent } from '@google-cloud/functions-framework';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';

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

/** The record for one messagePublished event; refuses anything else with a clear error. */
export function pubsubRecord(ce: CloudEvent<MessagePublishedData>): InboundRecord {
  const message = ce.data?.message;
  if (!message || typeof message.messageId !== 'string') {
    // Not retryable: redelivering the same malformed event cannot help; it goes to the dead letter topic.
    throw new AppError('invalid_event', `Not a Pub/Sub messagePublished event (type ${String(ce.type)})`, { status: 400, retryable: false });
  }
  const attempt = Number(ce.data?.deliveryAttempt);
  return {
    id: message.messageId,
    ...decodeData(message.data),
    attributes: { ...(message.attributes ?? {}) },
    ...(Number.isInteger(attempt) && attempt > 0 ? { receiveCount: attempt } : {}),
  };
}

/**
 * Wraps a record handler as a CloudEvent function, for
 * `functions.cloudEvent('eventRouter', gcpPubSub(h, getDeps))`.
 *
 * A failed record is THROWN: the framework then answers the push with an error status, so
 * Pub/Sub nacks it, redelivers with backoff and, after the subscription's max delivery attempts,
 * forwards it to the dead-letter topic. Resolving answers 204, which acks the message.
 * https://cloud.google.com/pubsub/docs/handling-failures
 */
export function gcpPubSub(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (ce: CloudEvent<MessagePublishedData>): Promise<void> => {
    const [outcome] = await runBatch([pubsubRecord(ce)], handler, await getDeps());
    // An AppError; for unexpected failures its message is the generic "Internal error", so the
    // framework's error answer and log line carry nothing internal (runBatch logged the cause).
    if (outcome && !outcome.ok) throw outcome.error;
  };
}
