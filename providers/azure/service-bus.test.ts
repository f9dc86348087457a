import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { eventRouter } from '../../functions/event-router/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { toServiceBusMessage } from './bus-service-bus';
import { registered } from './functions-core.testkit';
import { azureServiceBus, registerServiceBusTrigger, SERVICE_BUS_MAX_DELIVERY_COUNT } from './service-bus';

/**
 * The Service Bus trigger as the v4 worker calls it (mocked host: no emulator): one message per
 * invocation on the real InvocationContext, the body as the library decodes it (JSON-looking text
 * parsed, binary as a Buffer) and the broker fields camelCased in triggerMetadata. Registration
 * goes through the real @azure/functions `app`, with the worker's core API (present only inside
 * the Functions host) replaced by a recorder.
 */
jest.mock('@azure/functions-core', () => jest.requireActual('./functions-core.testkit').core, { virtual: true });

const event: CloudEvent = { specversion: '1.0', id: 'evt-1', source: 'secorch://webhook/github', type: 'secorch.finding.created', tenant: 'default', data: { n: 1 } };

/** What the host passes for a message our bus sent. */
function delivery(e: CloudEvent, meta: Record<string, unknown> = {}) {
  const m = toServiceBusMessage(e);
  const ctx = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'eventRouterServiceBus',
    logHandler: () => undefined,
    triggerMetadata: {
      messageId: m.messageId, deliveryCount: 3, contentType: m.contentType, enqueuedTimeUtc: '2026-01-01T00:00:01Z', sequenceNumber: 7,
      applicationProperties: m.applicationProperties, ...meta,
    },
  });
  return { body: JSON.parse((m.body as Buffer).toString('utf8')) as unknown, ctx, messageId: m.messageId };
}

function recorder(fail?: () => unknown) {
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (r) => {
    seen.push(r);
    const e = fail?.();
    if (e) throw e;
  };
  return { seen, handler };
}
const deps = async () => testDeps().deps;

describe('azureServiceBus (Service Bus trigger; mocked SDK: no emulator)', () => {
  it('an event published by serviceBusBus reaches the routed destination unchanged', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sb-router-')), 'all.jsonl');
    const { deps: d } = testDeps({ routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['all'] }], destinations: { all: { type: 'file', path: out } } });
    const { body, ctx } = delivery(event);
    await expect(azureServiceBus(eventRouter, async () => d)(body, ctx)).resolves.toBeUndefined();
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([event]);
  });

  it('one message is one record: messageId, body text, applicationProperties as attributes, deliveryCount', async () => {
    const { seen, handler } = recorder();
    const { body, ctx, messageId } = delivery(event, { applicationProperties: { cloudEvents_type: 'secorch.finding.created', priority: 5, urgent: true, at: new Date('2026-01-01T00:00:00Z'), none: null } });
    await azureServiceBus(handler, deps)(body, ctx);
    expect(seen).toEqual([{
      id: messageId,
      body: JSON.stringify(event),
      attributes: { cloudEvents_type: 'secorch.finding.created', priority: '5', urgent: 'true', at: '2026-01-01T00:00:00.000Z' },
      receiveCount: 3,
      maxReceives: 10,
    }]);
  });

  it('the deliveries allowed are the default MaxDeliveryCount, or SECORCH_QUEUE_MAX_RECEIVES for an entity created with another', async () => {
    const { seen, handler } = recorder();
    const before = process.env.SECORCH_QUEUE_MAX_RECEIVES;
    await azureServiceBus(handler, deps)(delivery(event).body, delivery(event).ctx);
    process.env.SECORCH_QUEUE_MAX_RECEIVES = '25';
    try {
      await azureServiceBus(handler, deps)(delivery(event).body, delivery(event).ctx);
    } finally {
      if (before === undefined) delete process.env.SECORCH_QUEUE_MAX_RECEIVES;
      else process.env.SECORCH_QUEUE_MAX_RECEIVES = before;
    }
    expect(seen.map((r) => [r.receiveCount, r.maxReceives])).toEqual([[3, SERVICE_BUS_MAX_DELIVERY_COUNT], [3, 25]]);
  });

  it('the body arrives as a string, an object or a Buffer: always the same text', async () => {
    const { seen, handler } = recorder();
    const text = JSON.stringify(event);
    for (const body of [text, JSON.parse(text) as unknown, Buffer.from(text, 'utf8')]) await azureServiceBus(handler, deps)(body, delivery(event).ctx);
    expect(seen.map((r) => r.body)).toEqual([text, text, text]);
  });

  it('a Buffer body that is not UTF-8 arrives as base64 flagged as such', async () => {
    const { seen, handler } = recorder();
    await azureServiceBus(handler, deps)(Buffer.from([0xff, 0x00, 0xfe]), delivery(event).ctx);
    expect(seen.map((r) => [r.body, r.bodyEncoding])).toEqual([['/wD+', 'base64']]);
  });

  it('THROWS when the record fails, retryable or not, so the host abandons it (then dead-letters past MaxDeliveryCount)', async () => {
    const retryable = recorder(() => new Error('downstream said no'));
    await expect(azureServiceBus(retryable.handler, deps)(delivery(event).body, delivery(event).ctx)).rejects.toMatchObject({ code: 'internal_error', message: 'Internal error' });
    const fatal = recorder(() => new AppError('invalid_event', 'Not a CloudEvent', { status: 400, retryable: false }));
    await expect(azureServiceBus(fatal.handler, deps)('{}', delivery(event).ctx)).rejects.toMatchObject({ code: 'invalid_event', retryable: false });
  });

  it('without host metadata the invocation id is the record id', async () => {
    const { seen, handler } = recorder();
    await azureServiceBus(handler, deps)('x', new InvocationContext({ invocationId: 'inv-9', logHandler: () => undefined }));
    expect(seen[0]).toEqual({ id: 'inv-9', body: 'x', attributes: {} });
  });
});

describe('registerServiceBusTrigger', () => {
  const built: string[] = [];
  const handler = (entity: string) => {
    built.push(entity);
    return async () => undefined;
  };
  beforeEach(() => {
    registered.splice(0);
    built.splice(0);
  });

  it('registers nothing unless SECORCH_SERVICE_BUS_ENTITY is set', () => {
    expect(registerServiceBusTrigger('r', handler, {})).toBeUndefined();
    expect(registered).toEqual([]);
    expect(built).toEqual([]);
  });

  it('a queue trigger with %setting% names and the SECORCH_SERVICE_BUS connection', () => {
    expect(registerServiceBusTrigger('r', handler, { SECORCH_SERVICE_BUS_ENTITY: 'secorch-events' })).toBe('queue');
    expect(registered).toHaveLength(1);
    expect(Object.values(registered[0]!.bindings)).toEqual([expect.objectContaining({
      type: 'serviceBusTrigger', direction: 'in', connection: 'SECORCH_SERVICE_BUS', queueName: '%SECORCH_SERVICE_BUS_ENTITY%',
    })]);
    expect(built).toEqual(['queue']); // the handler is built knowing its entity: only a queue's records are deferred
  });

  it('a topic subscription trigger when SECORCH_SERVICE_BUS_SUBSCRIPTION is set', () => {
    expect(registerServiceBusTrigger('r', handler, { SECORCH_SERVICE_BUS_ENTITY: 't', SECORCH_SERVICE_BUS_SUBSCRIPTION: 'router' })).toBe('topic');
    expect(Object.values(registered[0]!.bindings)).toEqual([expect.objectContaining({
      type: 'serviceBusTrigger', connection: 'SECORCH_SERVICE_BUS', topicName: '%SECORCH_SERVICE_BUS_ENTITY%', subscriptionName: '%SECORCH_SERVICE_BUS_SUBSCRIPTION%',
    })]);
    expect(built).toEqual(['topic']);
  });
});
