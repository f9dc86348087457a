import type { InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import type { Deps } from '../../shared/ports';
import { checkOut, type ClaimStore } from './claim-check';

/**
 * Azure Storage Queue trigger (Node programming model v4) -> portable RecordHandler.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger?pivots=programming-language-javascript
 *
 * The Functions host polls the queue, batches (host.json `extensions.queues.batchSize`) and
 * invokes the function once per message, so this adapter handles exactly one record.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

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

/** Trigger metadata the host supplies, camelCased by the v4 library (Id, DequeueCount, ...). */
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
    ...(Number.isFinite(dequeueCount) && dequeueCount > 0 ? { receiveCount: dequeueCount } : {}),
  };
}

/**
 * Wraps a record handler as a storage queue trigger handler, for
 * `app.storageQueue(name, { queueName, connection, handler: azureQueue(h, getDeps) })`.
 *
 * A failed record is THROWN: the host then makes the message visible again and retries it, and
 * after `extensions.queues.maxDequeueCount` attempts (default 5) moves it to `<queue>-poison`.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages
 * Returning normally deletes the message from the queue.
 */
export function azureQueue(handler: RecordHandler, getDeps: () => Promise<Deps>, claims?: () => ClaimStore) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const record = azureQueueRecord(message, ctx);
    const deps = await getDeps();
    // A claim-check message (an event too large for the queue) stands for its blob, read only from
    // the container the publisher writes claims to (`claims`: the host's account, claim-check.ts).
    const [outcome] = await runBatch([record], async (r, d) => handler({ ...r, body: await checkOut(claims?.(), r.body) }, d), deps);
    // The error is an AppError: for unexpected failures its message is the generic "Internal
    // error" (the cause stays in the log runBatch wrote), so nothing internal reaches the host log.
    if (outcome && !outcome.ok) throw outcome.error;
  };
}
