import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { keyVaultSealer } from './sealer-keyvault';
import { once } from '../common/runtime';
import { storageQueueBus } from './bus-storage-queue';
import { storageQueueWakeUps } from './wakeups-storage-queue';
import { tableStore } from './store-table';
import { keyVaultSecrets } from './secrets-keyvault';
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
    // Table Storage: `store` in the configuration, or the table named by SECORCH_STATE_TABLE in the
    // Functions host's storage account.
    {
      native: {
        'azure-table': (s, clock) =>
          tableStore({ table: s.table, connectionString: s.connectionString ?? required('AzureWebJobsStorage', 'the Functions host'), clock }),
      },
      fallback: process.env.SECORCH_STATE_TABLE ? { type: 'azure-table', table: process.env.SECORCH_STATE_TABLE } : undefined,
      // `secrets.provider: azure-keyvault` (compileConfig requires vaultUrl with it).
      secrets: { 'azure-keyvault': (s) => keyVaultSecrets({ vaultUrl: s.vaultUrl ?? '', prefix: s.prefix }) },
    },
  ),
);
