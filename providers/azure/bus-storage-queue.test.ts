import { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { azuriteConnection, azuriteQueue } from './azurite-queue.testkit';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { MAX_MESSAGE_BYTES, storageQueueBus } from './bus-storage-queue';
import { azureQueueRecord } from './queue';

/**
 * Against the real Azurite queue service the jest global setup started on 127.0.0.1
 * (connection string in SECORCH_TEST_AZURITE).
 */
const connectionString = azuriteConnection();

const event = (id: string, data: unknown): CloudEvent => ({
  specversion: '1.0',
  id,
  source: 'secorch://webhook/github',
  type: 'secorch.finding.created',
  time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json',
  tenant: 'acme',
  data,
});

describe('storageQueueBus (real Azurite)', () => {
  const { queueName, queue } = azuriteQueue('secorch-bus');

  it('publishes CloudEvents as base64 JSON the Functions queue trigger decodes', async () => {
    const bus = storageQueueBus({ connectionString, queueName });
    const published = [event('evt-1', { title: 'Zażółć gęślą jaźń', severity: 'high' }), event('evt-2', { n: 2, tags: ['a', 'b'] })];
    for (const e of published) await bus.publish(e);

    const { receivedMessageItems } = await queue().receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems).toHaveLength(2);
    const texts = receivedMessageItems.map((m) => m.messageText);
    // base64 (the trigger's default messageEncoding), not raw JSON
    for (const t of texts) expect(t).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const decoded = texts.map((t) => JSON.parse(Buffer.from(t, 'base64').toString('utf8')) as CloudEvent);
    expect(decoded).toEqual(published);
    for (const m of receivedMessageItems) await queue().deleteMessage(m.messageId, m.popReceipt);
  });

  it('check() succeeds for an existing queue', async () => {
    await expect(storageQueueBus({ connectionString, queueName }).check()).resolves.toBeUndefined();
  });

  it('publish and check reject for a missing queue, without leaking the SDK error text', async () => {
    const bus = storageQueueBus({ connectionString, queueName: `missing-${process.pid}-${Date.now()}` });
    await expect(bus.publish(event('evt-3', {}))).rejects.toMatchObject({
      code: 'bus_unavailable',
      message: 'The event queue did not accept the event',
      cause: expect.objectContaining({ statusCode: 404 }),
    });
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', cause: expect.objectContaining({ statusCode: 404 }) });
  });

  it('refuses an event over the 64 KiB message limit before sending it', async () => {
    const bus = storageQueueBus({ connectionString, queueName });
    await expect(bus.publish(event('evt-big', { blob: 'x'.repeat(60 * 1024) }))).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
    const { peekedMessageItems } = await queue().peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems).toHaveLength(0);
  });
});

/**
 * The EventBus contract on the real Azurite queue service: received = ReceiveMessages, then what
 * the Functions host does with each message (base64-decode the text, as its default
 * messageEncoding; the v4 library JSON-parses text that looks like JSON) and what the router's
 * trigger adapter (azureQueueRecord) and parser (parseEvent) make of it.
 */
let contractQueues = 0;
describeEventBusContract('storageQueueBus on Azurite (real queue service)', async () => {
  const name = `secorch-bus-contract-${process.pid}-${++contractQueues}`;
  const queue = new QueueClient(connectionString, name);
  await queue.create();
  const got: CloudEvent[] = [];
  return {
    bus: storageQueueBus({ connectionString, queueName: name }),
    maxBytes: MAX_MESSAGE_BYTES,
    async received() {
      for (;;) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
        if (receivedMessageItems.length === 0) return [...got];
        for (const m of receivedMessageItems) {
          const text = Buffer.from(m.messageText, 'base64').toString('utf8');
          const message: unknown = /^[[{]/.test(text.trim()) ? JSON.parse(text) : text;
          const ctx = new InvocationContext({
            invocationId: `inv-${m.messageId}`, functionName: 'eventRouter', logHandler: () => undefined,
            triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount, popReceipt: m.popReceipt },
          });
          got.push(parseEvent(azureQueueRecord(message, ctx).body));
        }
      }
    },
    unhealthy: async () => storageQueueBus({ connectionString, queueName: `missing-${name}` }),
    cleanup: async () => {
      await queue.delete();
    },
  };
});
