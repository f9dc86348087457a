import { createHash, randomUUID } from 'node:crypto';
import type { ServiceBusMessage } from '@azure/service-bus';
import { type InboundRecord, redeliveryDelayMs } from '../../shared/contracts';
import { type AppError, errors } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { MAX_DEFERRALS } from './router-deferral';
import { lazyServiceBusSender, type ServiceBusSenderOptions } from './service-bus-sender';

/**
 * Waits a failed router record asks for (shared/contracts.ts redeliveryDelayMs: a vendor's
 * Retry-After, a circuit breaker still open, another consumer's claim) on the Service Bus QUEUE
 * the event-router function is triggered by (service-bus.ts).
 *
 * The Functions host abandons a thrown message and Service Bus hands it out again at once, until
 * its delivery count passes the entity's MaxDeliveryCount (10 by default) and it goes to the
 * dead-letter subqueue: a destination asking for a minute's wait would send its events there
 * within seconds. The trigger has no handle on the message to defer it (that needs the SDK-type
 * binding), so, as for the Storage queue (router-deferral.ts), a record asking for a wait is
 * scheduled again on the same queue as a copy (ServiceBusSender.scheduleMessages: enqueued, and
 * so visible, only at now + wait), and the invocation returns normally, so the host completes the
 * original. Only once the schedule call has answered: a copy that cannot be scheduled (no Send
 * right, the namespace unreachable, a message a few dozen bytes under the entity's size limit)
 * leaves the record failed, thrown as before. If the host then fails to complete the original
 * (its lock lost), both come back: the copy's message id is derived from the original's id and
 * sequence number, so duplicate detection (when enabled on the queue) drops a second copy, and the
 * router's delivered marks make the rest harmless.
 *
 * The copy is the same message: body bytes, content type, correlation id, subject and application
 * properties (the `cloudEvents_*` ones included), plus two of its own, DEFERRALS_PROPERTY and
 * RECEIVES_PROPERTY, which the trigger takes out of the record's attributes again (the router
 * never sees them). Keys arrive first-letter-lowered from the host (service-bus.ts), so a
 * foreign sender's `Priority` is copied as `priority`: on a queue the router is the only reader.
 *
 * A topic subscription is never deferred this way: a copy sent to the topic would reach every
 * subscription, not only the router's. Its records keep failing at Service Bus's pace.
 */

/**
 * A shorter wait is left to Service Bus. An abandoned message reaches the destination's claim or
 * circuit again only after the abandon, the redelivery and the router's own store reads, roughly
 * this long: a shorter wait has passed by then, so throwing spends about one delivery on it. A
 * longer wait thrown spends a delivery each time round until it has passed (a 1 s wait could spend
 * most of the ten), which a scheduled copy saves; each copy spends one of MAX_DEFERRALS instead.
 */
export const MIN_DEFERRED_WAIT_MS = 100;

/** Application property of a copy: how many times the message has been deferred, this copy included. */
export const DEFERRALS_PROPERTY = 'secorchDeferrals';
/** Application property of a copy: receives of the message before this copy (the original's and earlier copies'). */
export const RECEIVES_PROPERTY = 'secorchReceives';

/** The longest message id Service Bus accepts. https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas */
export const MAX_MESSAGE_ID_LENGTH = 128;

export interface DeferralCounts {
  deferrals: number;
  receives: number;
}

export interface ServiceBusDeferralQueue {
  /** Schedules `message` on the queue the router's trigger reads, enqueued at `at`; resolves to its sequence number. */
  schedule(message: ServiceBusMessage, at: Date): Promise<string | undefined>;
}

const COUNT = /^[1-9][0-9]{0,14}$/;
const count = (v: string | undefined): number | undefined => (v !== undefined && COUNT.test(v) ? Number(v) : undefined);

/**
 * The record's attributes without the deferral properties, and the counts they carry when both
 * are valid (a copy this trigger scheduled); no counts for an original. A sender that may write to
 * the queue can set them, which gains it nothing it could not do by sending the message twice
 * (the receive count can bring a claim takeover forward; a high deferral count only stops deferral).
 */
export function takeDeferralCounts(attributes: Record<string, string>): { attributes: Record<string, string>; counts?: DeferralCounts } {
  const { [DEFERRALS_PROPERTY]: d, [RECEIVES_PROPERTY]: r, ...rest } = attributes;
  const deferrals = count(d);
  const receives = count(r);
  return deferrals !== undefined && receives !== undefined ? { attributes: rest, counts: { deferrals, receives } } : { attributes: rest };
}

/**
 * The copy's message id: `<root>~d<N>` for the N-th deferral, never the original's (the publisher
 * derives that from the event's (source, id), and duplicate detection on the queue would drop a
 * copy carrying it). `id` is the root for an original (deferrals 0), a copy's id for a copy, so
 * scheduling the same deferral twice gives the same id. A root too long for the suffix is replaced
 * by its SHA-256 (hex). deferredCopy makes an original's root its id and sequence number.
 */
export function copyMessageId(id: string, deferrals: number): string {
  const own = `~d${deferrals}`;
  const root = deferrals > 0 && id.endsWith(own) ? id.slice(0, -own.length) : id;
  const suffix = `~d${deferrals + 1}`;
  return (root.length + suffix.length <= MAX_MESSAGE_ID_LENGTH ? root : createHash('sha256').update(root, 'utf8').digest('hex')) + suffix;
}

/**
 * The broker's sequence number of the message in hand, as digits: the host supplies it as a
 * number, or (an Int64 the worker does not turn into one) as digits or a Long's {low, high}.
 */
export function sequenceOf(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  if (typeof v === 'bigint') return v >= 0n ? v.toString() : undefined;
  if (typeof v === 'string') return /^[0-9]{1,20}$/.test(v) ? v : undefined;
  if (typeof v === 'object' && v !== null) {
    const { low, high } = v as { low?: unknown; high?: unknown };
    if (Number.isInteger(low) && Number.isInteger(high)) {
      return ((BigInt.asUintN(32, BigInt(high as number)) << 32n) | BigInt.asUintN(32, BigInt(low as number))).toString();
    }
  }
  return undefined;
}

/**
 * The root of an original's copy ids: its id and its sequence number. The id alone repeats: the
 * publisher derives it from the event's (source, id), so the same event published again (a dead
 * letter replayed, a webhook the vendor sends again) once the original's duplicate-detection
 * window has passed is a new message with the same id, and its copies would carry the ids of the
 * earlier publish's copies, sent later and maybe still in their window: dropped, while the host
 * completes the message they replace. The sequence number is the message's own (the same when
 * Service Bus hands it out again after a lost completion); without one the copy gets a random
 * root, and a second copy of such a message is not dropped (the router's marks make it harmless).
 */
const originalRoot = (id: string, meta: Record<string, unknown>): string => `${id}~${sequenceOf(meta.sequenceNumber) ?? randomUUID()}`;

type PropertyValue = string | number | boolean | Date;
const isPropertyValue = (v: unknown): v is PropertyValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (v instanceof Date && !Number.isNaN(v.getTime()));

/**
 * The message to schedule for `record`, from the trigger metadata the host supplied for it
 * (camelCased: messageId, contentType, correlationId, subject, applicationProperties). The body
 * is the record's: the text the v4 library decoded (a JSON body re-serialised, same key order and
 * values), or the original bytes when they were not UTF-8.
 */
export function deferredCopy(meta: Record<string, unknown>, record: InboundRecord, next: DeferralCounts): ServiceBusMessage {
  const props: Record<string, PropertyValue> = {};
  const received = meta.applicationProperties;
  if (typeof received === 'object' && received !== null && !Array.isArray(received)) {
    for (const [key, v] of Object.entries(received)) {
      if (key !== DEFERRALS_PROPERTY && key !== RECEIVES_PROPERTY && isPropertyValue(v)) props[key] = v;
    }
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const contentType = str(meta.contentType);
  const correlationId = str(meta.correlationId);
  const subject = str(meta.subject) ?? str(meta.label);
  const id = str(meta.messageId) ?? record.id;
  return {
    body: Buffer.from(record.body, record.bodyEncoding === 'base64' ? 'base64' : 'utf8'),
    messageId: copyMessageId(next.deferrals === 1 ? originalRoot(id, meta) : id, next.deferrals - 1),
    ...(contentType ? { contentType } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(subject ? { subject } : {}),
    applicationProperties: { ...props, [DEFERRALS_PROPERTY]: next.deferrals, [RECEIVES_PROPERTY]: next.receives },
  };
}

export interface ServiceBusQueueDeferralOptions extends Omit<ServiceBusSenderOptions, 'entity'> {
  /** The queue the router's trigger reads. */
  queue: string;
}

/**
 * A ServiceBusDeferralQueue: the SDK loaded, the client and sender made on first use and kept
 * (one AMQP connection per instance), with the publisher's bounded retries (bus-service-bus.ts):
 * a schedule call fails within about half a minute instead of the SDK's default minutes. A first
 * use that fails is tried again on the next deferral.
 */
export function serviceBusQueueDeferral(opts: ServiceBusQueueDeferralOptions): ServiceBusDeferralQueue {
  if (!opts.client && !opts.connectionString && !opts.namespace) {
    throw errors.config('the Service Bus trigger\'s deferral needs a connection string or a namespace');
  }
  const sender = lazyServiceBusSender({ ...opts, entity: opts.queue });
  return {
    async schedule(message, at) {
      const [sequenceNumber] = await (await sender()).scheduleMessages(message, at);
      return sequenceNumber?.toString();
    },
  };
}

/**
 * Defers a failed record of the router's Service Bus queue trigger when its error is retryable
 * and asks for a wait of at least MIN_DEFERRED_WAIT_MS: resolves true once the copy is scheduled
 * (the caller then returns normally and the host completes the original), false when the record
 * must fail as it is (thrown: abandoned, redelivered at once). Never rejects. `deferrals`: how
 * often this message was deferred before (0 for an original); the record's receiveCount is its
 * receives so far, earlier copies' included; `meta`: the host's trigger metadata for it.
 */
export async function deferServiceBusRecord(
  meta: Record<string, unknown>, record: InboundRecord, deferrals: number, error: AppError, deps: Deps, queue: () => ServiceBusDeferralQueue,
): Promise<boolean> {
  const waitMs = error.retryable ? redeliveryDelayMs(error) : undefined;
  if (waitMs === undefined || waitMs < MIN_DEFERRED_WAIT_MS) return false;
  const log = { messageId: record.id, waitMs, deferrals, code: error.code };
  if (deferrals >= MAX_DEFERRALS) {
    deps.logger.warn('record asks for a wait but was deferred too often; it is abandoned and redelivered at once', { ...log, maxDeferrals: MAX_DEFERRALS });
    return false;
  }
  try {
    const copy = deferredCopy(meta, record, { deferrals: deferrals + 1, receives: record.receiveCount ?? deferrals + 1 });
    const at = new Date(deps.clock.now() + waitMs);
    const sequenceNumber = await queue().schedule(copy, at);
    deps.logger.warn('record deferred: scheduled again on the queue for the wait its destination asked for', {
      ...log, deferrals: deferrals + 1, copyMessageId: copy.messageId, sequenceNumber, scheduledFor: at.toISOString(),
    });
    deps.metrics.count('router.deferred', 1, { code: error.code });
    return true;
  } catch (e) {
    deps.logger.error('could not defer a record that asks for a wait; it is abandoned and redelivered at once', { ...log, error: e });
    return false;
  }
}
