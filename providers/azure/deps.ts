import { cloudDeps, cloudSealer } from '../common/cloud-deps';
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
import { hostStorage, identityCredential, serviceUrl, type StorageConnection, storageAccount, storageConnection } from './storage-account';
import { configuredClientId, SERVICE_BUS_CONNECTION } from './credential';
import type { StorageQueueTarget } from './client-options';
import type { BlobObjectsOptions } from './objects-blob';
import type { TableStoreOptions } from './store-table';

/**
 * The Functions host's storage account (AzureWebJobsStorage): its connection string, or its
 * identity-based settings (storage-account.ts). Read when a client is built, so a missing
 * setting is an invalid_config error naming the settings.
 */
const host = (): StorageConnection => hostStorage(process.env);
/** A connection string given in the configuration comes first; else the host's account. */
const orHost = (connectionString: string | undefined): StorageConnection => (connectionString ? { connectionString } : host());

/** Each client's options for a connection: its connection string, or its service URL and the identity's credential. */
const queueOn = (c: StorageConnection, queueName: string): StorageQueueTarget =>
  'connectionString' in c ? { connectionString: c.connectionString, queueName } : { serviceUrl: serviceUrl(c.identity, 'queue'), credential: identityCredential(c.identity), queueName };
const blobsOn = (c: StorageConnection): BlobObjectsOptions =>
  'connectionString' in c ? { connectionString: c.connectionString } : { accountUrl: serviceUrl(c.identity, 'blob'), credential: identityCredential(c.identity) };
const tableOn = (c: StorageConnection, table: string): Omit<TableStoreOptions, 'clock'> =>
  'connectionString' in c ? { connectionString: c.connectionString, table } : { url: serviceUrl(c.identity, 'table'), credential: identityCredential(c.identity), table };

/** A queue of the host's account: the events queue the router's trigger reads, for its deferred copies too. */
export const hostQueue = (queueName: string): StorageQueueTarget => queueOn(host(), queueName);

/**
 * The claim-check blobs of events too large for a queue message live in the Functions host's
 * account: the publisher writes them there and the router's trigger (queue.ts) reads them from
 * there, never from `deps.objects`, which SECORCH_BLOB_CONNECTION may point at another account.
 */
let claims: ObjectStorage | undefined;
export const claimObjects = (): ObjectStorage => (claims ??= blobObjects(blobsOn(host())));
/** Where the publisher writes claim blobs and the router's trigger reads them: the only container a claim may name. */
export const claimStore = (): ClaimStore => ({ objects: claimObjects(), container: process.env.SECORCH_CLAIMS_CONTAINER || 'secorch-claims' });

/**
 * The account storage-ingest reads blobs from and archive destinations write to:
 * SECORCH_BLOB_CONNECTION (a connection string, or identity-based settings under that prefix like
 * the host's), else the host's.
 */
const BLOB_CONNECTION = 'SECORCH_BLOB_CONNECTION';
const blobConnection = (): StorageConnection => storageConnection(process.env, BLOB_CONNECTION) ?? host();
/** That account's name (storage-account.ts): a BlobCreated event from another account is refused, not read here. */
export const blobAccount = (): string | undefined => storageAccount(blobConnection());

/** Composition root on Azure Functions: built once per cold start, `secret://` values re-read every secrets.ttlSeconds. */
export const azureDeps = refreshingRoot(async () =>
  cloudDeps('Azure', 'azure',
    // `bus` in the configuration, else the storage queue SECORCH_EVENTS_QUEUE of the host's account.
    (config) => configuredBus(config, 'Azure', {
      'storage-queue': (b) => storageQueueBus(queueOn(orHost(b.connectionString), b.queue)),
      // With a namespace, as the user-assigned identity the router's trigger and its delayed copies use (credential.ts).
      'service-bus': (b) => serviceBusBus({
        entity: b.entity, namespace: b.namespace, connectionString: b.connectionString,
        maxMessageBytes: b.maxMessageKilobytes ? b.maxMessageKilobytes * 1024 : undefined,
        clientId: configuredClientId(process.env, SERVICE_BUS_CONNECTION),
      }),
    }, () => storageQueueBus({
      ...hostQueue(process.env.SECORCH_EVENTS_QUEUE || 'secorch-events'),
      // Events over the 64 KiB message limit travel as blobs in this container (claim-check).
      claims: claimStore(),
    })),
    (config) => cloudSealer(config, 'azure-keyvault', (s) => keyVaultSealer({ keyId: s.keyId, previousKeyIds: s.previousKeyIds, clientId: configuredClientId(process.env) })),
    // Punctual delivery attempts on the queue webhookDeliveryWakeUp is triggered by (functions/webhook-delivery.ts).
    () => storageQueueWakeUps({
      ...hostQueue(process.env.SECORCH_DELIVERY_QUEUE || 'secorch-deliveries'),
      clock: systemClock,
    }),
    // Table Storage: `store` in the configuration, or the table named by SECORCH_STATE_TABLE in the
    // Functions host's storage account.
    {
      native: {
        'azure-table': (s, clock) =>
          tableStore({ ...tableOn(orHost(s.connectionString), s.table), clock }),
      },
      fallback: process.env.SECORCH_STATE_TABLE ? { type: 'azure-table', table: process.env.SECORCH_STATE_TABLE } : undefined,
      // `secrets.provider: azure-keyvault` (compileConfig requires vaultUrl with it).
      secrets: { 'azure-keyvault': (s) => keyVaultSecrets({ vaultUrl: s.vaultUrl ?? '', prefix: s.prefix, clientId: configuredClientId(process.env) }) },
      // Blob containers of SECORCH_BLOB_CONNECTION (a reports/archive account), else the host's account.
      objects: () => blobObjects(blobsOn(blobConnection())),
      // JSON lines: the host sends stdout to Application Insights traces (Kusto: parse_json(message)).
      metrics: 'json',
    },
  ),
);
