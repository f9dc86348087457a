import type { InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import type { Deps } from '../../shared/ports';
import { checkOut, type ClaimStore } from './claim-check';
import { deferRecord, deferredCopyFits, HOST_MAX_DEQUEUE_COUNT, MAX_DEFERRALS, type RouterDeferral } from './router-deferral';
import { type Deferred, unwrapDeferred } from './router-deferral-envelope';

/**
 * Azure Storage Queue trigger (Node programming model v4) -> portable RecordHandler.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger?pivots=programming-language-javascript
 *
 * The Functions host polls the queue, batches (host.json `extensions.queues.batchSize`) and
 * invokes the function once per message, so this adapter handles exactly one record.
 */

// ignoreBOM keeps a leading byte order mark in the text: dropped, the dead letter of a poison
// message would not be its bytes (the Pub/Sub adapter keeps it the same way).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The queue message as the record body text. The v4 library JSON-parses string messages that
 * look like JSON (so `{"a":1}` arrives as an object and `42` as a number) and hands binary
 * messages over as a Buffer; the body is turned back into text here (base64 and flagged when the
 * bytes are not UTF-8). Re-serialising keeps key order and values but not the sender's
 * whitespace: no signature is ever computed over a queue message body in this product, so that
 * loss is harmless.
 */
export function queueMessageBody(message: unknown): Pick<InboundRecord, 'body' | 'bodyEncoding'> {
  if (typeof message === 'string') return { body: message };
  if (message instanceof Uint8Array) {
    try {
      return { body: utf8.decode(message) };
    } catch {
      // Not UTF-8: base64, flagged (InboundRecord contract), so a dead letter keeps the bytes.
      return { body: Buffer.from(message).toString('base64'), bodyEncoding: 'base64' };
    }
  }
  return { body: JSON.stringify(message) ?? '' };
}

/**
 * Trigger metadata the host supplies, camelCased by the v4 library (Id, DequeueCount, ...). With
 * the dequeue count goes the host's maxDequeueCount (host.json): a message failing at that dequeue
 * is moved to `<queue>-poison`.
 */
export function azureQueueRecord(message: unknown, ctx: InvocationContext): InboundRecord {
  const meta = ctx.triggerMetadata ?? {};
  const dequeueCount = Number(meta.dequeueCount);
  const attributes: Record<string, string> = {};
  for (const key of ['insertionTime', 'expirationTime'] as const) {
    const v = meta[key];
    if (typeof v === 'string') attributes[key] = v;
    else if (v instanceof Date) attributes[key] = v.toISOString();
  }
  return {
    id: typeof meta.id === 'string' && meta.id !== '' ? meta.id : ctx.invocationId,
    ...queueMessageBody(message),
    attributes,
    ...(Number.isFinite(dequeueCount) && dequeueCount > 0 ? { receiveCount: dequeueCount, maxReceives: HOST_MAX_DEQUEUE_COUNT } : {}),
  };
}

const bodyOf = (d: Deferred): Pick<InboundRecord, 'body' | 'bodyEncoding'> =>
  (d.bodyEncoding ? { body: d.body, bodyEncoding: d.bodyEncoding } : { body: d.body });

/**
 * Wraps a record handler as a storage queue trigger handler, for
 * `app.storageQueue(name, { queueName, connection, handler: azureQueue(h, getDeps) })`.
 *
 * A failed record is THROWN: the host then makes the message visible again and retries it, and
 * after `extensions.queues.maxDequeueCount` attempts (default 5) moves it to `<queue>-poison`.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages
 * Returning normally deletes the message from the queue.
 *
 * With `deferral` (the event router's trigger only), a failed record whose destination asks for a
 * longer wait than the host's retry pace (or any wait, at the host's last dequeue of the message)
 * is sent again as a delayed copy and the original deleted
 * (router-deferral.ts); such a copy is unwrapped here, so the handler sees the original body, and
 * its receiveCount counts every receive of the message, the original's and earlier copies'
 * included: the router's claim takeover (functions/event-router/claim.ts) counts receives of the
 * event, which a copy's own dequeue count would restart. So maxReceives, the receive at which
 * the host would poison the message in hand, counts on from the same receives. Until
 * MAX_DEFERRALS a failure asking for any wait is deferred even at that dequeue
 * (minDeferredWaitMs): the router keeps the other failures there as dead letters, and leaves these
 * to the deferral, unless the copy would be over the message limit; a copy whose send fails at
 * that dequeue fails the record into the poison queue.
 */
export function azureQueue(handler: RecordHandler, getDeps: () => Promise<Deps>, claims?: () => ClaimStore, deferral?: () => RouterDeferral) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const received = azureQueueRecord(message, ctx);
    // Only a trigger that defers reads its envelopes; any other passes such a body on as it is.
    const copy = deferral ? unwrapDeferred(received.body) : undefined;
    const unwrapped: InboundRecord = copy ? {
      id: received.id, attributes: received.attributes, ...bodyOf(copy),
      receiveCount: copy.receives + (received.receiveCount ?? 1), maxReceives: copy.receives + HOST_MAX_DEQUEUE_COUNT,
    } : received;
    // At the host's last dequeue deferRecord takes any wait (redeliveryDelayMs is never under 1 ms),
    // unless its copy could not be sent for its size: the router then keeps the event there itself.
    const deferrals = copy?.deferrals ?? 0;
    const lastDequeue = unwrapped.receiveCount !== undefined && unwrapped.maxReceives !== undefined && unwrapped.receiveCount >= unwrapped.maxReceives;
    const deferrable = deferral !== undefined && deferrals < MAX_DEFERRALS && (!lastDequeue || deferredCopyFits(unwrapped, deferrals));
    const record: InboundRecord = deferrable ? { ...unwrapped, minDeferredWaitMs: 1 } : unwrapped;
    const deps = await getDeps();
    // A claim-check message (an event too large for the queue) stands for its blob, read only from
    // the container the publisher writes claims to (`claims`: the host's account, claim-check.ts).
    const [outcome] = await runBatch([record], async (r, d) => handler({ ...r, body: await checkOut(claims?.(), r.body) }, d), deps);
    if (outcome && !outcome.ok) {
      // The copy carries the body before check-out: a claim reference stays a small reference.
      if (deferral && await deferRecord(record, deferrals, outcome.error, deps, deferral, received.receiveCount)) return;
      // The error is an AppError: for unexpected failures its message is the generic "Internal
      // error" (the cause stays in the log runBatch wrote), so nothing internal reaches the host log.
      throw outcome.error;
    }
  };
}
