import { app } from '@azure/functions';
import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { azureDeps } from '../deps';
import { azureQueue } from '../queue';

/** Outbound webhook attempts that are due, every minute (an Azure Functions timer trigger). */
app.timer('webhookDelivery', {
  schedule: '0 */1 * * * *',
  handler: async () => {
    const deps = await azureDeps();
    await deliveryTick({ name: 'webhookDelivery', scheduledAt: deps.clock.now() }, deps);
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
