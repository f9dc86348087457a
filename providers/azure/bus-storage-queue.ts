import { AppError, errors } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';
import { checkIn, type ClaimStore } from './claim-check';
import { DEFAULT_TRY_TIMEOUT_MS, lazyQueueClient, type StorageQueueTarget, withDeadline } from './client-options';
import { busUnavailable } from './unavailable';

export interface StorageQueueBusOptions extends StorageQueueTarget {
  /** Where events too large for a message go (claim-check); without it they are refused. */
  claims?: ClaimStore;
}

/**
 * Largest message the Queue service accepts: 64 KiB, counted on the text we send (so on the
 * base64 form). https://learn.microsoft.com/rest/api/storageservices/put-message
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Storage queue message text for an event: the structured CloudEvent JSON, base64 encoded.
 *
 * Base64 because the Functions queue trigger decodes base64 by default (host.json
 * `extensions.queues.messageEncoding`, "base64" unless set to "none"); the function app keeps
 * that default, so nothing is needed in host.json and messages put by other tools (Portal,
 * Storage Explorer, Event Grid) are read the same way.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
 * The v12 SDK sends text as given (it no longer encodes), so the encoding happens here.
 */
export const encodeMessage = (event: CloudEvent): string => Buffer.from(JSON.stringify(event), 'utf8').toString('base64');

/**
 * EventBus on an Azure Storage queue (the queue the event-router function is triggered by).
 * The SDK is loaded and the client built on first use, not at cold start: the HTTP functions
 * that only publish now and then should not pay for it up front. Every call is bounded
 * (client-options.ts); the queue unreachable is a bus_unavailable naming why (unavailable.ts).
 */
export function storageQueueBus(opts: StorageQueueBusOptions): EventBus {
  const queue = lazyQueueClient(opts);

  const deadline = opts.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS;

  return {
    async publish(event) {
      let text = encodeMessage(event);
      if (text.length > MAX_MESSAGE_BYTES && opts.claims) {
        try {
          text = Buffer.from(await checkIn(opts.claims, event), 'utf8').toString('base64');
        } catch (e) {
          throw errors.unavailable('bus_unavailable', 'The claim-check blob of a large event could not be written', e);
        }
      }
      if (text.length > MAX_MESSAGE_BYTES) {
        throw new AppError('bus_message_too_large', `Event ${event.id} is over the ${MAX_MESSAGE_BYTES}-byte queue message limit once encoded`, {
          status: 500,
          retryable: false,
          expose: false,
        });
      }
      try {
        const client = await queue();
        await withDeadline(deadline, (abortSignal) => client.sendMessage(text, { abortSignal }));
      } catch (e) {
        // The SDK's error text names the account and queue URL: keep it as the (logged) cause only.
        throw busUnavailable('The event queue did not accept the event', e) ?? errors.unavailable('bus_unavailable', 'The event queue did not accept the event', e);
      }
    },
    async check() {
      try {
        const client = await queue();
        await withDeadline(deadline, (abortSignal) => client.getProperties({ abortSignal }));
      } catch (e) {
        throw busUnavailable('The event queue is not reachable', e) ?? errors.unavailable('bus_unavailable', 'The event queue is not reachable', e);
      }
    },
  };
}
