import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';

/** The Azurite the jest global setup started (test/global-setup.ts): its connection string. */
export const azuriteConnection = (): string => process.env.SECORCH_TEST_AZURITE!;

/**
 * A queue of its own on the real Azurite for the tests of one describe block (or file): created
 * before them, deleted after them. The name is unique per process and run (`<prefix>-<pid>-<ms>`).
 * `queue()` is the test's own client of it, to look at what the code under test sent.
 */
export function azuriteQueue(prefix: string): { connectionString: string; queueName: string; queue: () => QueueClient } {
  const connectionString = azuriteConnection();
  const queueName = `${prefix}-${process.pid}-${Date.now()}`;
  let client: QueueClient | undefined;
  beforeAll(async () => {
    expect(connectionString).toMatch(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/);
    client = new QueueClient(connectionString, queueName);
    await client.create();
  });
  afterAll(async () => {
    await client?.delete();
  });
  return { connectionString, queueName, queue: () => client! };
}

/**
 * A blob container of its own on the real Azurite for the tests of one describe block (or file),
 * created before them and deleted after them, named as azuriteQueue names its queues.
 */
export function azuriteContainer(prefix: string): { connectionString: string; container: string } {
  const connectionString = azuriteConnection();
  const container = `${prefix}-${process.pid}-${Date.now()}`;
  const client = () => BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  beforeAll(async () => {
    expect(connectionString).toMatch(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/);
    await client().create();
  });
  afterAll(async () => {
    await client().delete();
  });
  return { connectionString, container };
}
