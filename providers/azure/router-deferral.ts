import { type InboundRecord, redeliveryDelayMs } from '../../shared/contracts';
import type { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { MAX_MESSAGE_BYTES } from './bus-storage-queue';
import { DEFAULT_TRY_TIMEOUT_MS, lazyQueueClient, type StorageQueueTarget, withDeadline } from './client-options';
import { deferredMessageText } from './router-deferral-envelope';

/**
 * Waits a failed router record asks for (shared/contracts.ts redeliveryDelayMs: a vendor's
 * Retry-After, a circuit breaker still open, another consumer's claim) on the Storage queue the
 * event-router function is triggered by.
 *
 * The Functions host makes a thrown message visible again after host.json's fixed
 * `visibilityTimeout` and moves it to `<queue>-poison` after `maxDequeueCount` (5) dequeues, and
 * has no way to make one message wait longer: a destination down for a few minutes would send
 * its events to the poison queue, which nothing reads, within about two and a half minutes. So a
 * record asking for a longer wait is sent again as a new message that stays invisible that long
 * (Put Message's visibilitytimeout), in an envelope counting its deferrals
 * (router-deferral-envelope.ts), and the invocation returns normally, so the host deletes the
 * original. A shorter wait is left to the host's pace, except at the host's last dequeue of the
 * message (HOST_MAX_DEQUEUE_COUNT), where a throw would end it in the poison queue: there any wait
 * is deferred. Only once the copy is in the queue: a copy that cannot be sent leaves the record
 * failed, to come back at the host's pace. If the host then fails to delete the original (it
 * stops at that moment), both come back: the router's delivered marks make that harmless.
 */

/**
 * Mirrors azure/host.json `extensions.queues.visibilityTimeout` (00:00:30): a failed message is
 * visible again this long after the failure. A wait no longer than that is served by the host's
 * own pace; a test reads host.json to keep the two equal.
 */
export const HOST_VISIBILITY_TIMEOUT_MS = 30_000;

/**
 * Mirrors azure/host.json `extensions.queues.maxDequeueCount` (5): a message whose function fails
 * at this dequeue is moved to `<queue>-poison` by the host. A wait the host's pace would serve is
 * still deferred at this dequeue: thrown, it would end there. An open circuit asks for the
 * connectors' cool-down (30 s, shared/connectors/breaker.ts), never longer than the host's pace,
 * so without this a destination down for minutes sends its events to the poison queue within
 * about two minutes, as before deferral existed. A test reads host.json to keep the two equal.
 */
export const HOST_MAX_DEQUEUE_COUNT = 5;

/**
 * How many times one message is deferred at most. Each wait is at most MAX_REDELIVERY_DELAY_MS
 * (15 minutes), so a message waits up to two hours for a destination that keeps asking; then it
 * fails at the host's pace as before, and after five more dequeues goes to the poison queue.
 */
export const MAX_DEFERRALS = 8;

/**
 * How long a copy lives once visible: the queue's default for a message (7 days), counted from
 * when the copy becomes visible, so it outlives an outage of the function app as the original would.
 */
const TTL_AFTER_VISIBLE_SECONDS = 7 * 24 * 3600;

export interface DeferralQueue {
  /** Puts `text` (already encoded as the trigger reads it) on the queue; resolves to the new message's id. */
  send(text: string, opts: { visibilityTimeout: number; messageTimeToLive: number }): Promise<string | undefined>;
}

export interface RouterDeferral {
  /** The queue the router's trigger reads: the copy must come back to the same function. */
  queue: DeferralQueue;
  /** A wait up to this is left to the host (default HOST_VISIBILITY_TIMEOUT_MS; tests shorten it). */
  hostVisibilityTimeoutMs?: number;
  /** The dequeue at which the host gives a failing message up (default HOST_MAX_DEQUEUE_COUNT). */
  hostMaxDequeueCount?: number;
}

export type StorageQueueDeferralOptions = StorageQueueTarget;

/** A DeferralQueue on a Storage queue: the SDK loaded and the client built on first use, every call bounded (client-options.ts). */
export function storageQueueDeferral(opts: StorageQueueDeferralOptions): DeferralQueue {
  const queue = lazyQueueClient(opts);
  return {
    async send(text, { visibilityTimeout, messageTimeToLive }) {
      const c = await queue();
      const sent = await withDeadline(opts.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS, (abortSignal) =>
        c.sendMessage(text, { visibilityTimeout, messageTimeToLive, abortSignal }));
      return sent.messageId;
    },
  };
}

/** The deferred copy of a record as sent: base64, the trigger's message encoding (host.json `messageEncoding`; see bus-storage-queue.ts). */
function deferredCopyText(record: InboundRecord, deferrals: number): string {
  return Buffer.from(deferredMessageText({
    body: record.body,
    ...(record.bodyEncoding ? { bodyEncoding: record.bodyEncoding } : {}),
    deferrals: deferrals + 1,
    receives: record.receiveCount ?? deferrals + 1,
  }), 'utf8').toString('base64');
}

/** Whether a deferred copy of the record would fit in a queue message (a body within a few dozen bytes of the limit does not). */
export const deferredCopyFits = (record: InboundRecord, deferrals: number): boolean => deferredCopyText(record, deferrals).length <= MAX_MESSAGE_BYTES;

/**
 * Defers a failed record when its error is retryable and asks for a wait longer than the host's
 * visibility timeout, or for any wait at the host's last dequeue of the message: resolves true
 * once the delayed copy is on the queue (the caller then returns normally), false when the record
 * must fail as it is (thrown: the host's pace). Never rejects. `deferrals`: how often this message
 * was deferred before (0 for an original); the record's receiveCount is its receives so far,
 * copies' included; `dequeueCount`: the host's dequeue count of the message in hand (a copy's own).
 */
export async function deferRecord(
  record: InboundRecord, deferrals: number, error: AppError, deps: Deps, deferral: () => RouterDeferral, dequeueCount?: number,
): Promise<boolean> {
  const waitMs = error.retryable ? redeliveryDelayMs(error) : undefined;
  if (waitMs === undefined) return false;
  const log = { messageId: record.id, waitMs, deferrals, code: error.code };
  try {
    const d = deferral();
    const lastDequeue = dequeueCount !== undefined && dequeueCount >= (d.hostMaxDequeueCount ?? HOST_MAX_DEQUEUE_COUNT);
    if (waitMs <= (d.hostVisibilityTimeoutMs ?? HOST_VISIBILITY_TIMEOUT_MS) && !lastDequeue) return false;
    if (deferrals >= MAX_DEFERRALS) {
      deps.logger.warn('record asks for a wait but was deferred too often; it comes back at the host\'s pace', { ...log, maxDeferrals: MAX_DEFERRALS });
      return false;
    }
    const text = deferredCopyText(record, deferrals);
    if (text.length > MAX_MESSAGE_BYTES) {
      deps.logger.warn('record asks for a wait but its deferred copy would be over the queue message limit; it comes back at the host\'s pace', { ...log, bytes: text.length });
      return false;
    }
    // Whole seconds, rounded up: never visible before the asked time.
    const visibilityTimeout = Math.ceil(waitMs / 1000);
    const copyId = await d.queue.send(text, { visibilityTimeout, messageTimeToLive: visibilityTimeout + TTL_AFTER_VISIBLE_SECONDS });
    deps.logger.warn('record deferred: sent again to the queue, invisible for the wait its destination asked for', {
      ...log, deferrals: deferrals + 1, copyMessageId: copyId, ...(lastDequeue ? { dequeueCount } : {}),
    });
    deps.metrics.count('router.deferred', 1, { code: error.code });
    return true;
  } catch (e) {
    deps.logger.error('could not defer a record that asks for a wait; it comes back at the host\'s pace', { ...log, error: e });
    return false;
  }
}
