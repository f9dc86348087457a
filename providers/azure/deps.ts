import { cloudDeps, cloudSealer, required } from '../common/cloud-deps';
import { keyVaultSealer } from './sealer-keyvault';
import { refreshingRoot } from '../common/refresh';
import { configuredBus } from '../common/bus';
import { serviceBusBus } from './bus-service-bus';
import { storageQueueBus } from './bus-storage-queue';
import type { ClaimStore } from './claim-check';
import { blobObjects } from './objects-blob';
import { storageQueueWakeUps } from './wakeups-storage-queue';
import { tableStore } from './store-table';
import { keyVaultSecrets } from './secrets-keyvault';
import { type ObjectStorage, systemClock } from '../../shared/ports';
import { connectionAccount } from './storage-account';
import { configuredClientId, SERVICE_BUS_CONNECTION } from './credential';

/**
 * The claim-check blobs of events too large for a queue message live in the Functions host's
 * account: the publisher writes them there and the router's trigger (queue.ts) reads them from
 * there, never from `deps.objects`, which SECORCH_BLOB_CONNECTION may point at another account.
 */
let claims: ObjectStorage | undefined;
export const claimObjects = (): ObjectStorage => (claims ??= blobObjects({ connectionString: required('AzureWebJobsStorage', 'the Functions host') }));
/** Where the publisher writes claim blobs and the router's trigger reads them: the only container a claim may name. */
export const claimStore = (): ClaimStore => ({ objects: claimObjects(), container: process.env.SECORCH_CLAIMS_CONTAINER || 'secorch-claims' });

/** The account storage-ingest reads blobs from and archive destinations write to: SECORCH_BLOB_CONNECTION, else the host's. */
const blobConnection = (): string => process.env.SECORCH_BLOB_CONNECTION || required('AzureWebJobsStorage', 'the Functions host');
/** That account's name (storage-account.ts): a BlobCreated event from another account is refused, not read here. */
export const blobAccount = (): string | undefined => connectionAccount(blobConnection());

/** Composition root on Azure Functions: built once per cold start, `secret://` values re-read every secrets.ttlSeconds. */
export const azureDeps = refreshingRoot(async () =>
  cloudDeps('Azure', 'azure',
    // `bus` in the configuration, else the storage queue SECORCH_EVENTS_QUEUE of the host's account.
    (config) => configuredBus(config, 'Azure', {
      'storage-queue': (b) => storageQueueBus({ connectionString: b.connectionString ?? required('AzureWebJobsStorage', 'the Functions host'), queueName: b.queue }),
      // With a namespace, as the user-assigned identity the router's trigger and its delayed copies use (credential.ts).
      'service-bus': (b) => serviceBusBus({
        entity: b.entity, namespace: b.namespace, connectionString: b.connectionString,
        maxMessageBytes: b.maxMessageKilobytes ? b.maxMessageKilobytes * 1024 : undefined,
        clientId: configuredClientId(process.env, SERVICE_BUS_CONNECTION),
      }),
    }, () => storageQueueBus({
      connectionString: required('AzureWebJobsStorage', 'the Functions host'),
      queueName: process.env.SECORCH_EVENTS_QUEUE || 'secorch-events',
      // Events over the 64 KiB message limit travel as blobs in this container (claim-check).
      claims: claimStore(),
    })),
    (config) => cloudSealer(config, 'azure-keyvault', (s) => keyVaultSealer({ keyId: s.keyId, clientId: configuredClientId(process.env) })),
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
      secrets: { 'azure-keyvault': (s) => keyVaultSecrets({ vaultUrl: s.vaultUrl ?? '', prefix: s.prefix, clientId: configuredClientId(process.env) }) },
      // Blob containers of SECORCH_BLOB_CONNECTION (a reports/archive account), else the host's account.
      objects: () => blobObjects({ connectionString: blobConnection() }),
      // JSON lines: the host sends stdout to Application Insights traces (Kusto: parse_json(message)).
      metrics: 'json',
    },
  ),
);
