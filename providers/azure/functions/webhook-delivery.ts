import { app } from '@azure/functions';
import { deliveryTick } from '../../../functions/webhook-delivery/handler';
import { azureDeps } from '../deps';

/** Outbound webhook attempts that are due, every minute (an Azure Functions timer trigger). */
app.timer('webhookDelivery', {
  schedule: '0 */1 * * * *',
  handler: async () => {
    const deps = await azureDeps();
    await deliveryTick({ name: 'webhookDelivery', scheduledAt: deps.clock.now() }, deps);
  },
});
