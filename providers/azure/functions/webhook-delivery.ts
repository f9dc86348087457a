import { app } from '@azure/functions';
import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { azureDeps } from '../deps';
import { azureQueue } from '../queue';
import { sweepDeadline } from '../../common/sweep-deadline';

/** azure/host.json functionTimeout, 00:05:00 (SECORCH_FUNCTION_TIMEOUT_SECONDS for another). */
const HOST_FUNCTION_TIMEOUT_SECONDS = 300;

/** Outbound webhook attempts that are due, every minute (an Azure Functions timer trigger). */
app.timer('webhookDelivery', {
  schedule: '0 */1 * * * *',
  handler: async () => {
    const deps = await azureDeps();
    const now = deps.clock.now();
    await deliveryTick({ name: 'webhookDelivery', scheduledAt: now, deadline: sweepDeadline(now, HOST_FUNCTION_TIMEOUT_SECONDS) }, deps);
  },
});

/**
 * Punctual attempts: invisible messages on the delivery queue (providers/azure/wakeups-storage-queue.ts)
 * that become visible when the attempt is due. The queue is the app setting SECORCH_DELIVERY_QUEUE,
 * the one the wake-ups are sent to (%...% is resolved by the host), so the two cannot differ.
 */
app.storageQueue('webhookDeliveryWakeUp', {
  queueName: '%SECORCH_DELIVERY_QUEUE%',
  connection: 'AzureWebJobsStorage',
  handler: azureQueue(deliveryWakeUp, azureDeps),
});
