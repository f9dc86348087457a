import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import type { InboundRecord } from '../../shared/contracts';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { eventRouter } from '../../functions/event-router/handler';
import { listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { testDeps } from '../../test/deps';
import { MAX_MESSAGE_BYTES, storageQueueBus } from './bus-storage-queue';
import type { ClaimStore } from './claim-check';
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
/** Another container of the same account, holding what a claim must never reach. */
const elsewhere = `secrets-${suffix}`;

const event = (id: string, size: number): CloudEvent => ({
  specversion: '1.0', id, source: 'secorch://webhook/github', type: 'secorch.webhook.received', tenant: 'acme', origin: 'webhook:github',
  datacontenttype: 'application/json', data: { commits: 'ł'.repeat(size) },
});

let queue: QueueClient;
beforeAll(async () => {
  queue = new QueueClient(connectionString, queueName);
  await queue.create();
  for (const c of [container, elsewhere]) await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(c).create();
});
afterAll(async () => {
  await queue.delete();
  for (const c of [container, elsewhere]) await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(c).delete();
});

/** The claim store of the publisher and of the router's trigger: the claim container of one account. */
const claimStore = (objects = blobObjects({ connectionString })): ClaimStore => ({ objects, container });

/**
 * Receives one message and hands it to the router's trigger adapter as the host would (base64-decoded,
 * JSON-parsed). `claims` is where the adapter reads claim blobs from; `objects` is deps.objects.
 */
async function trigger(claims: (() => ClaimStore) | undefined, objects?: ReturnType<typeof blobObjects>): Promise<InboundRecord[]> {
  const [m] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
  const text = Buffer.from(m!.messageText, 'base64').toString('utf8');
  const got: InboundRecord[] = [];
  const { deps } = testDeps();
  const run = azureQueue(async (r) => void got.push(r), async () => ({ ...deps, objects }), claims);
  try {
    await run(JSON.parse(text), new InvocationContext({ invocationId: 'inv-1', logHandler: () => undefined, triggerMetadata: { id: m!.messageId, dequeueCount: 1 } }));
  } finally {
    await queue.deleteMessage(m!.messageId, m!.popReceipt);
  }
  return got;
}

/** A claim message as someone with send rights on the queue could write it, naming any blob of the account. */
const forged = (claim: { container: string; key: string }) => Buffer.from(JSON.stringify({ secorchClaimCheck: claim }), 'utf8').toString('base64');
const CLAIM_KEY = 'events/0f0e0d0c-0b0a-5908-8706-050403020100.json';

test('a 100 KB event goes as a blob reference and reaches the router whole; a small one goes inline', async () => {
  const objects = blobObjects({ connectionString });
  const bus = storageQueueBus({ connectionString, queueName, claims: claimStore(objects) });
  const large = event('big-1', 50_000); // 100 KB of UTF-8, about 133 KB as base64
  await bus.publish(large);
  const [m] = (await queue.peekMessages({ numberOfMessages: 1 })).peekedMessageItems;
  expect(m!.messageText.length).toBeLessThan(1024);
  expect(Buffer.from(m!.messageText, 'base64').toString()).toContain('secorchClaimCheck');
  expect((await objects.list(container, 'events/')).items).toHaveLength(1);
  const [record] = await trigger(() => claimStore(objects));
  expect(JSON.parse(record!.body)).toEqual(large);

  const small = event('small-1', 10);
  await bus.publish(small);
  const [inline] = await trigger(() => claimStore(objects));
  expect(JSON.parse(inline!.body)).toEqual(small);
  expect((await objects.list(container, 'events/')).items).toHaveLength(1);
});

test('without a claim store a large event is refused; a claim whose blob is gone fails the record (retried, then poison queue)', async () => {
  const plain = storageQueueBus({ connectionString, queueName });
  await expect(plain.publish(event('big-2', 50_000))).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
  expect(MAX_MESSAGE_BYTES).toBe(64 * 1024);

  const objects = blobObjects({ connectionString });
  const bus = storageQueueBus({ connectionString, queueName, claims: claimStore(objects) });
  await bus.publish(event('big-3', 50_000));
  const [blob] = (await objects.list(container, 'events/')).items.filter((i) => !i.key.includes('big-1'));
  for (const i of (await objects.list(container, 'events/')).items) await objects.delete(container, i.key);
  expect(blob).toBeDefined();
  await expect(trigger(() => claimStore(objects))).rejects.toMatchObject({ code: 'claim_missing' });
  // A claim where the trigger has no claim store: retried, as the store may be configured by then.
  await bus.publish(event('big-5', 50_000));
  await expect(trigger(undefined, objects)).rejects.toMatchObject({ code: 'claim_unavailable', retryable: true });
});

test('claim blobs are read from the claim store even when deps.objects is another account (SECORCH_BLOB_CONNECTION)', async () => {
  const claims = claimStore();
  const bus = storageQueueBus({ connectionString, queueName, claims });
  const large = event('big-4', 50_000);
  await bus.publish(large);
  // deps.objects: a reports account that does not hold the claim blobs.
  const reports = { ...claims.objects, get: async () => undefined } as unknown as ReturnType<typeof blobObjects>;
  const [record] = await trigger(() => claims, reports);
  expect(JSON.parse(record!.body)).toEqual(large);
});

test('a claim naming another container or a blob the publisher does not write is not followed: the body reaches the router as it is', async () => {
  const objects = blobObjects({ connectionString });
  await objects.put(elsewhere, CLAIM_KEY, '{"masterKey":"not for the router"}');
  await objects.put(container, 'host.json', '{"masterKey":"not for the router either"}');
  for (const claim of [{ container: elsewhere, key: CLAIM_KEY }, { container, key: 'host.json' }, { container, key: `events/../${CLAIM_KEY}` }]) {
    await queue.sendMessage(forged(claim));
    const [record] = await trigger(() => claimStore(objects));
    expect(record!.body).toBe(JSON.stringify({ secorchClaimCheck: claim }));
  }
  // Not JSON after the mark: passed on too (the router keeps it as a poison message) instead of failing every redelivery.
  await queue.sendMessage(Buffer.from('{"secorchClaimCheck": nope', 'utf8').toString('base64'));
  const [m] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
  const got: InboundRecord[] = [];
  const { deps } = testDeps();
  await azureQueue(async (r) => void got.push(r), async () => deps, () => claimStore(objects))(
    Buffer.from(m!.messageText, 'base64').toString('utf8'), new InvocationContext({ invocationId: 'inv-2', logHandler: () => undefined, triggerMetadata: { id: m!.messageId, dequeueCount: 1 } }),
  );
  await queue.deleteMessage(m!.messageId, m!.popReceipt);
  expect(got[0]!.body).toBe('{"secorchClaimCheck": nope');
});

test('through the real router, a forged claim is kept as a dead letter of the message, never of the blob it names', async () => {
  const objects = blobObjects({ connectionString });
  await objects.put(elsewhere, CLAIM_KEY, JSON.stringify(event('not-yours', 10)));
  await queue.sendMessage(forged({ container: elsewhere, key: CLAIM_KEY }));
  const [m] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
  const { deps } = testDeps();
  const ctx = new InvocationContext({ invocationId: 'inv-3', functionName: 'eventRouter', logHandler: () => undefined, triggerMetadata: { id: m!.messageId, dequeueCount: 1 } });
  await azureQueue(eventRouter, async () => deps, () => claimStore(objects))(JSON.parse(Buffer.from(m!.messageText, 'base64').toString('utf8')), ctx);
  await queue.deleteMessage(m!.messageId, m!.popReceipt);
  const [kept] = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
  // The blob holds a valid CloudEvent: followed, it would have been routed and nothing kept.
  expect(kept).toBeDefined();
  expect(Buffer.from(rawBody(kept!)).toString('utf8')).toBe(JSON.stringify({ secorchClaimCheck: { container: elsewhere, key: CLAIM_KEY } }));
});
