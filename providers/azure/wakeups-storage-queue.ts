import type { Clock, WakeUp, WakeUps } from '../../shared/ports';
import { DEFAULT_TRY_TIMEOUT_MS, lazyQueueClient, type StorageQueueTarget, withDeadline } from './client-options';

export interface StorageQueueWakeUpsOptions extends StorageQueueTarget {
  /** queueName: the queue the webhookDeliveryWakeUp function is triggered by. */
  clock: Clock;
}

/**
 * The longest visibility timeout of a queue message: 7 days.
 * https://learn.microsoft.com/rest/api/storageservices/put-message#uri-parameters
 */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;
/** How long a message outlives its visibility timeout (it must expire after it becomes visible). */
const TTL_MARGIN_SECONDS = 24 * 3600;

/** Seconds to stay invisible until `at`: rounded up, 0 when due, capped at 7 days. */
export const visibilitySeconds = (at: number, now: number): number =>
  Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));

/**
 * Wake-ups as invisible Storage queue messages: the message becomes visible (and the Functions
 * queue trigger runs) when the attempt is due. A wait over 7 days arrives early and the wake-up
 * function sends it on. The text is base64 JSON, the Functions trigger's default encoding (see
 * bus-storage-queue.ts). Calls are bounded as the bus's are (client-options.ts); errors reject:
 * the engine logs them.
 */
export function storageQueueWakeUps(opts: StorageQueueWakeUpsOptions): WakeUps {
  const queue = lazyQueueClient(opts);
  return {
    async schedule(due: WakeUp) {
      const visibilityTimeout = visibilitySeconds(due.at, opts.clock.now());
      const text = Buffer.from(JSON.stringify({ at: due.at, tenant: due.tenant, id: due.id }), 'utf8').toString('base64');
      const client = await queue();
      await withDeadline(opts.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS, (abortSignal) =>
        client.sendMessage(text, { visibilityTimeout, messageTimeToLive: visibilityTimeout + TTL_MARGIN_SECONDS, abortSignal }));
    },
  };
}
