import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import type { InboundRecord } from '../../shared/contracts';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { MAX_MESSAGE_BYTES, storageQueueBus } from './bus-storage-queue';
import { blobObjects } from './objects-blob';
import { azureQueue } from './queue';

/**
 * Events over the 64 KiB Storage queue message limit travel as blobs (claim-check), against the
 * real Azurite queue and blob services: what the router's queue trigger receives is the same
 * event either way.
 */
const connectionString = process.env.SECORCH_TEST_AZURITE!;
const suffix = `${process.pid}-${Date.now()}`;
const queueName = `claims-q-${suffix}`;
const container = `claims-${suffix}`;

const event = (id: string, size: number): CloudEvent => ({
  specversion: '1.0', id, source: 'secorch://webhook/github', type: 'secorch.webhook.received', tenant: 'acme', origin: 'webhook:github',
  datacontenttype: 'application/json', data: { commits: 'ł'.repeat(size) },
});

let queue: QueueClient;
beforeAll(async () => {
  queue = new QueueClient(connectionString, queueName);
  await queue.create();
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create();
});
afterAll(async () => {
  await queue.delete();
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).delete();
});

/**
 * Receives one message and hands it to the router's trigger adapter as the host would (base64-decoded,
 * JSON-parsed). `claims`, when given, is the store the adapter reads claim blobs from instead of deps.objects.
 */
async function trigger(objects: ReturnType<typeof blobObjects> | undefined, claims?: () => ReturnType<typeof blobObjects>): Promise<InboundRecord[]> {
  const [m] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
  const text = Buffer.from(m!.messageText, 'base64').toString('utf8');
  const got: InboundRecord[] = [];
  const { deps } = testDeps();
  const run = azureQueue(async (r) => void got.push(r), async () => ({ ...deps, objects }), claims);
  await run(JSON.parse(text), new InvocationContext({ invocationId: 'inv-1', logHandler: () => undefined, triggerMetadata: { id: m!.messageId, dequeueCount: 1 } }));
  await queue.deleteMessage(m!.messageId, m!.popReceipt);
  return got;
}

test('a 100 KB event goes as a blob reference and reaches the router whole; a small one goes inline', async () => {
  const objects = blobObjects({ connectionString });
  const bus = storageQueueBus({ connectionString, queueName, claims: { objects, container } });
  const large = event('big-1', 50_000); // 100 KB of UTF-8, about 133 KB as base64
  await bus.publish(large);
  const [m] = (await queue.peekMessages({ numberOfMessages: 1 })).peekedMessageItems;
  expect(m!.messageText.length).toBeLessThan(1024);
  expect(Buffer.from(m!.messageText, 'base64').toString()).toContain('secorchClaimCheck');
  expect((await objects.list(container, 'events/')).items).toHaveLength(1);
  const [record] = await trigger(objects);
  expect(JSON.parse(record!.body)).toEqual(large);

  const small = event('small-1', 10);
  await bus.publish(small);
  const [inline] = await trigger(objects);
  expect(JSON.parse(inline!.body)).toEqual(small);
  expect((await objects.list(container, 'events/')).items).toHaveLength(1);
});

test('without a claim store a large event is refused; a claim whose blob is gone fails the record (retried, then poison queue)', async () => {
  const plain = storageQueueBus({ connectionString, queueName });
  await expect(plain.publish(event('big-2', 50_000))).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
  expect(MAX_MESSAGE_BYTES).toBe(64 * 1024);

  const objects = blobObjects({ connectionString });
  const bus = storageQueueBus({ connectionString, queueName, claims: { objects, container } });
  await bus.publish(event('big-3', 50_000));
  const [blob] = (await objects.list(container, 'events/')).items.filter((i) => !i.key.includes('big-1'));
  for (const i of (await objects.list(container, 'events/')).items) await objects.delete(container, i.key);
  expect(blob).toBeDefined();
  await expect(trigger(objects)).rejects.toMatchObject({ code: 'claim_missing' });
});

test('claim blobs are read from the claim store even when deps.objects is another account (SECORCH_BLOB_CONNECTION)', async () => {
  const claims = blobObjects({ connectionString });
  const bus = storageQueueBus({ connectionString, queueName, claims: { objects: claims, container } });
  const large = event('big-4', 50_000);
  await bus.publish(large);
  // deps.objects: a reports account that does not hold the claim blobs.
  const elsewhere = { ...claims, get: async () => undefined } as unknown as ReturnType<typeof blobObjects>;
  const [record] = await trigger(elsewhere, () => claims);
  expect(JSON.parse(record!.body)).toEqual(large);
});
