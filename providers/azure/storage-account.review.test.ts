import type { BlobServiceClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import type { TableClient } from '@azure/data-tables';
import { busTestEvent } from '../../test/support/bus-event';
import { bundle, githubSource, unbundle } from '../common/metrics.testkit';
import { azuriteConnection, azuriteQueue } from './azurite-queue.testkit';
import { hostStorage, identityCredential, serviceUrl, storageAccount, storageConnection } from './storage-account';
import { mockCredentialOptions } from './identity-recorder.testkit';

/**
 * Identity-based host storage (AzureWebJobsStorage__accountName and the service URIs, the Flex
 * Consumption default). No emulator exists for Entra ID (Azurite takes no token of ours): the
 * identity tests replace @azure/identity by a recorder of the options each DefaultAzureCredential
 * is built with, and look at the URL and credential of the real SDK clients the code builds, at
 * their first call, which the spy answers instead of the network. The connection-string path
 * runs against the Azurite of the jest global setup.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('@azure/identity', () => require('./identity-recorder.testkit').identityModule);

const CLIENT_ID = '0b7d1e4a-2f6c-4a8e-9c3d-5e1f2a3b4c5d';
const SETTINGS = [
  'AzureWebJobsStorage', 'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'AZURE_CLIENT_ID',
  'SECORCH_STATE_TABLE', 'SECORCH_BLOB_CONNECTION', 'SECORCH_BLOB_CONNECTION__blobServiceUri', 'SECORCH_EVENTS_QUEUE', 'SECORCH_DELIVERY_QUEUE',
];
const clear = () => SETTINGS.forEach((name) => delete process.env[name]);

describe('the storage connection the settings describe', () => {
  test('a connection string comes first; an empty one counts as unset, as for the host', () => {
    expect(storageConnection({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureWebJobsStorage__accountName: 'other' }))
      .toEqual({ connectionString: 'UseDevelopmentStorage=true' });
    expect(storageConnection({ AzureWebJobsStorage: '', AzureWebJobsStorage__accountName: 'secorchsa' }))
      .toMatchObject({ identity: { account: 'secorchsa' } });
  });

  test('__accountName gives the global Azure URLs of the three services; a service URI takes precedence for its service', () => {
    expect(hostStorage({ AzureWebJobsStorage__accountName: 'SecorchSA', AzureWebJobsStorage__credential: 'managedidentity' })).toEqual({
      identity: {
        connection: 'AzureWebJobsStorage', account: 'secorchsa',
        urls: { blob: 'https://secorchsa.blob.core.windows.net', queue: 'https://secorchsa.queue.core.windows.net', table: 'https://secorchsa.table.core.windows.net' },
      },
    });
    const sovereign = hostStorage({
      AzureWebJobsStorage__accountName: 'secorchsa',
      AzureWebJobsStorage__blobServiceUri: 'https://secorchsa.blob.core.chinacloudapi.cn/',
      AzureWebJobsStorage__queueServiceUri: 'https://secorchsa.queue.core.chinacloudapi.cn',
    });
    expect(sovereign).toMatchObject({
      identity: { urls: { blob: 'https://secorchsa.blob.core.chinacloudapi.cn', queue: 'https://secorchsa.queue.core.chinacloudapi.cn', table: 'https://secorchsa.table.core.windows.net' } },
    });
  });

  test('the client id: AzureWebJobsStorage__clientId, else AZURE_CLIENT_ID, else none (the system-assigned identity)', () => {
    const base = { AzureWebJobsStorage__accountName: 'secorchsa', AzureWebJobsStorage__credential: 'managedidentity' };
    expect(hostStorage({ ...base, AzureWebJobsStorage__clientId: CLIENT_ID, AZURE_CLIENT_ID: 'app' })).toMatchObject({ identity: { clientId: CLIENT_ID } });
    expect(hostStorage({ ...base, AZURE_CLIENT_ID: 'app' })).toMatchObject({ identity: { clientId: 'app' } });
    expect(hostStorage(base)).not.toHaveProperty('identity.clientId');
    expect(hostStorage({ ...base, AzureWebJobsStorage__managedIdentityResourceId: '/subscriptions/s/rg/id' }))
      .toMatchObject({ identity: { resourceId: '/subscriptions/s/rg/id' } });
  });

  test('neither a connection string nor identity settings: invalid_config naming the settings', () => {
    const error = (() => {
      try {
        hostStorage({ AzureWebJobsStorage: '' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: 'invalid_config' });
    for (const name of ['AzureWebJobsStorage', 'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri']) {
      expect((error as Error).message).toContain(name);
    }
  });

  test('a service without a URI (only another service\'s is set) is invalid_config naming its setting; bad values are refused without echoing them', () => {
    const only = hostStorage({ AzureWebJobsStorage__blobServiceUri: 'https://secorchsa.blob.core.windows.net' });
    if (!('identity' in only)) throw new Error('expected an identity-based connection');
    expect(serviceUrl(only.identity, 'blob')).toBe('https://secorchsa.blob.core.windows.net');
    expect(() => serviceUrl(only.identity, 'queue')).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('AzureWebJobsStorage__queueServiceUri') }));
    const sas = 'https://secorchsa.queue.core.windows.net/?sv=2022&sig=SECRET';
    expect(() => hostStorage({ AzureWebJobsStorage__queueServiceUri: sas })).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.not.stringContaining('SECRET') }));
    expect(() => hostStorage({ AzureWebJobsStorage__blobServiceUri: 'http://secorchsa.blob.core.windows.net' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => hostStorage({ AzureWebJobsStorage__accountName: 'not-an-account!' })).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('__accountName') }));
  });

  test('the account blob events are checked against: the blob URI\'s, else the account name', () => {
    expect(storageAccount(hostStorage({ AzureWebJobsStorage__accountName: 'secorchsa' }))).toBe('secorchsa');
    expect(storageAccount(hostStorage({ AzureWebJobsStorage__blobServiceUri: 'https://reports01.blob.core.usgovcloudapi.net' }))).toBe('reports01');
    expect(storageAccount(hostStorage({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }))).toBe('devstoreaccount1');
  });

  test('the identity\'s credential loads DefaultAzureCredential for its client id at the first token, not before', async () => {
    mockCredentialOptions.splice(0);
    const credential = identityCredential({ connection: 'AzureWebJobsStorage', urls: {}, clientId: CLIENT_ID });
    expect(mockCredentialOptions).toEqual([]);
    await expect(credential.getToken('https://storage.azure.com/.default')).resolves.toMatchObject({ token: 'fake-token' });
    expect(mockCredentialOptions).toEqual([{ managedIdentityClientId: CLIENT_ID }]);
    const byResourceId = identityCredential({ connection: 'AzureWebJobsStorage', urls: {}, resourceId: '/subscriptions/s/rg/id' });
    await byResourceId.getToken('https://storage.azure.com/.default');
    expect(mockCredentialOptions.at(-1)).toEqual({ managedIdentityResourceId: '/subscriptions/s/rg/id' });
  });
});

describe('the Azure composition root on identity-based host storage', () => {
  beforeEach(() => {
    jest.resetModules();
    clear();
    mockCredentialOptions.splice(0);
  });
  afterEach(() => {
    unbundle();
    clear();
    jest.restoreAllMocks();
  });

  /** The token credential a client was built with asks DefaultAzureCredential for this client id. */
  async function expectIdentity(credential: unknown) {
    const token = await (credential as { getToken(scope: string): Promise<{ token: string }> }).getToken('https://storage.azure.com/.default');
    expect(token.token).toBe('fake-token');
    expect(mockCredentialOptions.at(-1)).toEqual({ managedIdentityClientId: CLIENT_ID });
  }

  test('deps build with AzureWebJobsStorage__accountName only; the bus, wake-ups, state table and blobs use the account\'s URLs and the user-assigned identity', async () => {
    bundle({ sources: githubSource });
    Object.assign(process.env, {
      AzureWebJobsStorage__accountName: 'secorchsa', AzureWebJobsStorage__credential: 'managedidentity', AzureWebJobsStorage__clientId: CLIENT_ID,
      SECORCH_STATE_TABLE: 'secorchstate', SECORCH_EVENTS_QUEUE: 'secorch-events', SECORCH_DELIVERY_QUEUE: 'secorch-deliveries',
    });
    const { QueueClient } = await import('@azure/storage-queue');
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const { TableClient } = await import('@azure/data-tables');
    const queues: QueueClient[] = [];
    jest.spyOn(QueueClient.prototype, 'sendMessage').mockImplementation(async function (this: QueueClient) {
      queues.push(this);
      return { messageId: 'm-1' } as never;
    });
    const tables: TableClient[] = [];
    jest.spyOn(TableClient.prototype, 'createTable').mockImplementation(async function (this: TableClient) {
      tables.push(this);
    });
    jest.spyOn(TableClient.prototype, 'getEntity').mockRejectedValue(Object.assign(new Error('not found'), { statusCode: 404 }));
    const { BlobClient } = await import('@azure/storage-blob');
    jest.spyOn(BlobClient.prototype, 'download').mockRejectedValue(Object.assign(new Error('not found'), { statusCode: 404 }));
    const blobs: BlobServiceClient[] = [];
    const getContainerClient = BlobServiceClient.prototype.getContainerClient;
    jest.spyOn(BlobServiceClient.prototype, 'getContainerClient').mockImplementation(function (this: BlobServiceClient, name: string) {
      blobs.push(this);
      return getContainerClient.call(this, name);
    });

    const { azureDeps, claimObjects, blobAccount } = await import('./deps');
    const deps = await azureDeps();
    await deps.bus.publish(busTestEvent());
    await deps.wakeups!.schedule({ at: Date.now() + 60_000, tenant: 't', id: 'd-1' });
    await expect(deps.store.get('k')).resolves.toBeUndefined();

    expect(queues.map((q) => q.url)).toEqual(['https://secorchsa.queue.core.windows.net/secorch-events', 'https://secorchsa.queue.core.windows.net/secorch-deliveries']);
    expect(tables.map((t) => t.url)).toEqual(['https://secorchsa.table.core.windows.net']);
    expect(tables.map((t) => t.tableName)).toEqual(['secorchstate']);
    // The SDKs keep a client's credential protected or private: read at run time all the same.
    const credentialOf = (client: unknown) => (client as { credential: unknown }).credential;
    for (const q of queues) await expectIdentity(credentialOf(q));
    for (const t of tables) await expectIdentity(credentialOf(t));

    // Blobs: the claim container and deps.objects, both on the host's account.
    await expect(claimObjects().get('secorch-claims', 'c.json')).resolves.toBeUndefined();
    await expect(deps.objects!.get('reports', 'r.json')).resolves.toBeUndefined();
    expect(blobs.map((b) => b.url)).toEqual(['https://secorchsa.blob.core.windows.net/', 'https://secorchsa.blob.core.windows.net/']);
    for (const b of blobs) await expectIdentity(credentialOf(b));
    expect(blobAccount()).toBe('secorchsa');
  });

  test('SECORCH_BLOB_CONNECTION may be identity-based too: deps.objects and the event account check use its blob URI', async () => {
    bundle({ sources: githubSource });
    Object.assign(process.env, {
      AzureWebJobsStorage__accountName: 'secorchsa',
      SECORCH_BLOB_CONNECTION__blobServiceUri: 'https://reports01.blob.core.windows.net',
    });
    const { azureDeps, blobAccount } = await import('./deps');
    await azureDeps();
    expect(blobAccount()).toBe('reports01');
  });

  test('no storage setting at all: the deps build fails with invalid_config naming the settings', async () => {
    bundle({ sources: githubSource });
    const { azureDeps } = await import('./deps');
    await expect(azureDeps()).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('AzureWebJobsStorage__accountName') });
  });
});

describe('the connection string still comes first (Azurite)', () => {
  const q = azuriteQueue('deps-cs');
  beforeEach(() => {
    jest.resetModules();
    clear();
  });
  afterEach(() => {
    unbundle();
    clear();
  });

  test('with AzureWebJobsStorage set, the bus publishes to the events queue of that account (identity settings beside it are ignored)', async () => {
    bundle({ sources: githubSource });
    Object.assign(process.env, { AzureWebJobsStorage: azuriteConnection(), AzureWebJobsStorage__accountName: 'elsewhere', SECORCH_EVENTS_QUEUE: q.queueName });
    const { azureDeps, blobAccount } = await import('./deps');
    const event = busTestEvent();
    await (await azureDeps()).bus.publish(event);
    const { receivedMessageItems } = await q.queue().receiveMessages();
    expect(receivedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')).id)).toEqual([event.id]);
    expect(mockCredentialOptions).toEqual([]);
    expect(blobAccount()).toBe('devstoreaccount1');
  });
});
