import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { keyVaultSealer } from './sealer-keyvault';
import { once } from '../common/runtime';
import { storageQueueBus } from './bus-storage-queue';
import { storageQueueWakeUps } from './wakeups-storage-queue';
import { systemClock } from '../../shared/ports';

/** Composition root on Azure Functions: built once per cold start. */
export const azureDeps = once(async () =>
  cloudDeps('Azure', 'azure', () =>
    storageQueueBus({
      connectionString: required('AzureWebJobsStorage', 'the Functions host'),
      queueName: process.env.SECORCH_EVENTS_QUEUE || 'secorch-events',
    }),
    (config) => cloudSealer(config, 'azure-keyvault', (s) => keyVaultSealer({ keyId: s.keyId })),
    // Punctual delivery attempts on the queue webhookDeliveryWakeUp is triggered by (functions/webhook-delivery.ts).
    () => storageQueueWakeUps({
      connectionString: required('AzureWebJobsStorage', 'the Functions host'),
      queueName: process.env.SECORCH_DELIVERY_QUEUE || 'secorch-deliveries',
      clock: systemClock,
    }),
  ),
);
