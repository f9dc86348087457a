import { cloudDeps, required } from '../common/cloud-deps';
import { once } from '../common/runtime';
import { storageQueueBus } from './bus-storage-queue';

/** Composition root on Azure Functions: built once per cold start. */
export const azureDeps = once(async () =>
  cloudDeps('Azure', 'azure', () =>
    storageQueueBus({
      connectionString: required('AzureWebJobsStorage', 'the Functions host'),
      queueName: process.env.SECORCH_EVENTS_QUEUE || 'secorch-events',
    }),
  ),
);
