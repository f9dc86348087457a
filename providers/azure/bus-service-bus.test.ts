import { InvocationContext } from '@azure/functions';
import { ServiceBusClient, ServiceBusError, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { MAX_MESSAGE_BYTES, messageSize, serviceBusBus, toServiceBusMessage } from './bus-service-bus';
import { serviceBusRecord } from './service-bus';
import { busTestEvent } from '../../test/support/bus-event';

/**
 * No Service Bus emulator can run here (Microsoft's needs Docker and SQL Server), so these tests
 * MOCK THE SDK: real ServiceBusClient objects whose createSender returns a recording sender.
 * Nothing reaches the network.
 */
const CONNECTION = 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=dGVzdA==';

const event: CloudEvent = busTestEvent();

function fakeSender(fail?: () => Error | undefined) {
  const sent: ServiceBusMessage[] = [];
  let batches = 0;
  const sender = {
    async sendMessages(m: ServiceBusMessage) {
      const e = fail?.();
      if (e) throw e;
      sent.push(m);
    },
    async createMessageBatch() {
      const e = fail?.();
      if (e) throw e;
      batches += 1;
      return {};
    },
  } as unknown as ServiceBusSender;
  return { sender, sent, batches: () => batches };
}

function mockClients(sender: ServiceBusSender) {
  const made: { client: ServiceBusClient; entity: string }[] = [];
  jest.spyOn(ServiceBusClient.prototype, 'createSender').mockImplementation(function (this: ServiceBusClient, entity: string) {
    made.push({ client: this, entity });
    return sender;
  });
  return made;
}

afterEach(() => jest.restoreAllMocks());

describe('serviceBusBus (mocked SDK: no emulator)', () => {
  it('sends the CloudEvent JSON in structured mode with cloudEvents_ properties and a (source, id) message id', async () => {
    const s = fakeSender();
    const made = mockClients(s.sender);
    const bus = serviceBusBus({ entity: 'secorch-events', connectionString: CONNECTION });
    expect(made).toHaveLength(0); // nothing built before first use
    await bus.publish(event);
    await bus.publish({ ...event, id: 'evt-2' });

    expect(made).toHaveLength(1);
    expect(made[0]!.entity).toBe('secorch-events');
    expect(made[0]!.client.fullyQualifiedNamespace).toBe('contoso.servicebus.windows.net');
    expect(s.sent).toHaveLength(2);
    const m = s.sent[0]!;
    expect(Buffer.isBuffer(m.body)).toBe(true);
    expect((m.body as Buffer).toString('utf8')).toBe(JSON.stringify(event));
    expect(m).toEqual({
      body: m.body,
      contentType: 'application/cloudevents+json',
      messageId: stableEventId('secorch://webhook/github', 'evt-1'),
      applicationProperties: {
        cloudEvents_specversion: '1.0', cloudEvents_id: 'evt-1', cloudEvents_type: 'secorch.finding.created', cloudEvents_source: 'secorch://webhook/github',
      },
    });
    expect(s.sent[1]!.messageId).toBe(stableEventId('secorch://webhook/github', 'evt-2'));
  });

  it('a republished event gets the same message id; the same id under another source does not', () => {
    expect(toServiceBusMessage(event).messageId).toBe(toServiceBusMessage(structuredClone(event)).messageId);
    expect(toServiceBusMessage({ ...event, source: 'secorch://api/key-1' }).messageId).not.toBe(toServiceBusMessage(event).messageId);
    expect(String(toServiceBusMessage({ ...event, id: 'x'.repeat(500) }).messageId).length).toBeLessThanOrEqual(128);
  });

  it('with a namespace the client authenticates with the given token credential', async () => {
    const s = fakeSender();
    const made = mockClients(s.sender);
    const credential: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: 0 }) };
    await serviceBusBus({ entity: 'secorch-topic', namespace: 'fabrikam.servicebus.windows.net', credential }).publish(event);
    expect(made[0]!.client.fullyQualifiedNamespace).toBe('fabrikam.servicebus.windows.net');
    expect(made[0]!.entity).toBe('secorch-topic');
    // SDK internals, read only to prove the wiring: the credential is the token provider, retries are bounded.
    const internals = made[0]!.client as unknown as { _connectionContext: { tokenCredential: unknown }; _clientOptions: { retryOptions: unknown } };
    expect(internals._connectionContext.tokenCredential).toBe(credential);
    expect(internals._clientOptions.retryOptions).toEqual({ maxRetries: 2, timeoutInMs: 10_000 });
  });

  it('refuses an event over the message limit before sending (non-retryable); a Premium limit lets it through', async () => {
    const s = fakeSender();
    mockClients(s.sender);
    const big = { ...event, data: { blob: 'x'.repeat(MAX_MESSAGE_BYTES) } };
    await expect(serviceBusBus({ entity: 'q', connectionString: CONNECTION }).publish(big)).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
    expect(s.sent).toHaveLength(0);
    await serviceBusBus({ entity: 'q', connectionString: CONNECTION, maxMessageBytes: 1024 * 1024 }).publish(big);
    expect(s.sent).toHaveLength(1);
    expect(messageSize(toServiceBusMessage(big))).toBeGreaterThan(MAX_MESSAGE_BYTES);
  });

  it('maps MessageSizeExceeded from the service to bus_message_too_large, anything else to bus_unavailable', async () => {
    let next: Error | undefined = new ServiceBusError('The received message exceeds the allowed size', 'MessageSizeExceeded');
    const s = fakeSender(() => next);
    mockClients(s.sender);
    const bus = serviceBusBus({ entity: 'q', connectionString: CONNECTION });
    await expect(bus.publish(event)).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
    const missing = new ServiceBusError('The messaging entity sb://contoso.servicebus.windows.net/q could not be found', 'MessagingEntityNotFound');
    next = missing;
    await expect(bus.publish(event)).rejects.toMatchObject({ code: 'bus_unavailable', retryable: true, message: 'The event bus did not accept the event', cause: missing });
  });

  it('a session-enabled entity, which refuses every message without a session id, is a configuration error naming it, not retryable', async () => {
    // What the SDK rejects with: the broker's InvalidOperationException arrives as amqp:not-allowed,
    // which @azure/core-amqp names InvalidOperationError and ServiceBusError reports as a
    // GeneralError whose message starts with that name.
    const refused = new ServiceBusError(
      'InvalidOperationError: The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value. TrackingId:4a1b, SystemTracker:contoso:Queue:secorch-events, Timestamp:2026-01-01T00:00:00',
      'GeneralError',
    );
    mockClients(fakeSender(() => refused).sender);
    const bus = serviceBusBus({ entity: 'secorch-events', connectionString: CONNECTION });
    await expect(bus.publish(event)).rejects.toMatchObject({
      code: 'invalid_config', retryable: false, cause: refused, extra: { path: 'bus.entity' },
      message: expect.stringMatching(/"secorch-events" has sessions enabled.*disable/),
    });
  });

  it('leaves out cloudEvents_ properties over Service Bus\'s 32 KB per property / 64 KB in all instead of failing every publish', async () => {
    // The service refuses a message whose property is over 32 KB, or whose properties total over
    // 64 KB (SerializationException): https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
    const KB = 1024;
    const propBytes = (m: ServiceBusMessage) => Object.entries(m.applicationProperties ?? {}).map(([k, v]) => Buffer.byteLength(k) + Buffer.byteLength(String(v)));
    const s = fakeSender();
    const send = s.sender.sendMessages.bind(s.sender);
    s.sender.sendMessages = (async (m: ServiceBusMessage) => {
      const sizes = propBytes(m);
      if (sizes.some((n) => n > 32 * KB) || sizes.reduce((a, b) => a + b, 0) > 64 * KB) throw new Error('SerializationException: message properties too large');
      return send(m);
    }) as ServiceBusSender['sendMessages'];
    mockClients(s.sender);
    const bus = serviceBusBus({ entity: 'secorch-events', connectionString: CONNECTION });
    // POST /events takes any length of type and source (a client's choice, within the body limit).
    const longType = `com.example.${'t'.repeat(40 * KB)}`;
    await expect(bus.publish({ ...event, type: longType })).resolves.toBeUndefined();
    expect(s.sent[0]!.applicationProperties).toEqual({ cloudEvents_specversion: '1.0', cloudEvents_id: 'evt-1', cloudEvents_source: 'secorch://webhook/github' });
    // Each under 32 KB but together over 64 KB: the properties that still fit are kept, in order.
    const big = (c: string) => `https://x.example/${c.repeat(30 * KB)}`;
    await expect(bus.publish({ ...event, id: big('i'), type: big('t'), source: big('s') })).resolves.toBeUndefined();
    expect(Object.keys(s.sent[1]!.applicationProperties!)).toEqual(['cloudEvents_specversion', 'cloudEvents_id']);
    expect(JSON.parse((s.sent[1]!.body as Buffer).toString('utf8'))).toMatchObject({ type: big('t'), source: big('s') });
  });

  it('check() opens the sender link (createMessageBatch) without sending; a failure is bus_unavailable', async () => {
    const failure: { next?: Error } = {};
    const s = fakeSender(() => failure.next);
    mockClients(s.sender);
    const bus = serviceBusBus({ entity: 'q', connectionString: CONNECTION });
    await expect(bus.check()).resolves.toBeUndefined();
    expect(s.batches()).toBe(1);
    expect(s.sent).toHaveLength(0);
    failure.next = new ServiceBusError('Unauthorized access. Send claim(s) are required', 'UnauthorizedAccess');
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', message: 'The event bus is not reachable' });
  });

  it('a bad connection string fails each call as bus_unavailable, not the cold start', async () => {
    const bus = serviceBusBus({ entity: 'q', connectionString: 'not a connection string' });
    await expect(bus.publish(event)).rejects.toMatchObject({ code: 'bus_unavailable', cause: expect.any(Error) });
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', cause: expect.any(Error) });
  });

  it('without namespace or connection string it is a configuration error', () => {
    expect(() => serviceBusBus({ entity: 'q' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});

/**
 * The EventBus contract over a fake sender (mocked SDK: no emulator). The fake accepts a message
 * only after a macrotask (as the AMQP disposition would arrive), and refuses one over the Standard
 * tier's limit with MessageSizeExceeded as the service does. received = each accepted message as
 * the Functions host hands it to the router (the v4 library parses a JSON-looking body; the broker
 * fields in triggerMetadata), read by the trigger adapter (serviceBusRecord) and parsed by the
 * router (parseEvent).
 */
describeEventBusContract('serviceBusBus (mocked SDK: no emulator)', async () => {
  const accepted: ServiceBusMessage[] = [];
  const sender = {
    async sendMessages(m: ServiceBusMessage) {
      await new Promise((resolve) => setImmediate(resolve));
      if ((m.body as Buffer).length > MAX_MESSAGE_BYTES) throw new ServiceBusError('The received message exceeds the allowed size', 'MessageSizeExceeded');
      accepted.push(m);
    },
    async createMessageBatch() {
      await new Promise((resolve) => setImmediate(resolve));
      return {};
    },
  };
  const missingEntity = new ServiceBusError('The messaging entity sb://contoso.servicebus.windows.net/missing could not be found', 'MessagingEntityNotFound');
  const brokenSender = {
    sendMessages: async () => { throw missingEntity; },
    createMessageBatch: async () => { throw missingEntity; },
  };
  const client = (s: object) => ({ createSender: () => s }) as unknown as ServiceBusClient;
  return {
    bus: serviceBusBus({ entity: 'secorch-events', client: client(sender) }),
    maxBytes: MAX_MESSAGE_BYTES,
    received: async () => accepted.map((m, i) => {
      const text = (m.body as Buffer).toString('utf8');
      const ctx = new InvocationContext({
        invocationId: `inv-${i}`, functionName: 'eventRouterServiceBus', logHandler: () => undefined,
        triggerMetadata: {
          messageId: m.messageId, deliveryCount: 1, contentType: m.contentType, sequenceNumber: i + 1,
          enqueuedTimeUtc: '2026-01-01T00:00:01Z', applicationProperties: m.applicationProperties,
        },
      });
      return parseEvent(serviceBusRecord(JSON.parse(text) as unknown, ctx).body);
    }),
    unhealthy: async () => serviceBusBus({ entity: 'missing', client: client(brokenSender) }),
  };
});
