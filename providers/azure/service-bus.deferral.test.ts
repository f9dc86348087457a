import { InvocationContext } from '@azure/functions';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { claimKey } from '../../functions/event-router/keys';
import { eventRouter } from '../../functions/event-router/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Logger } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { toServiceBusMessage } from './bus-service-bus';
import { MAX_DEFERRALS } from './router-deferral';
import {
  copyMessageId, DEFERRALS_PROPERTY, deferredCopy, MAX_MESSAGE_ID_LENGTH, MIN_DEFERRED_WAIT_MS, RECEIVES_PROPERTY, sequenceOf, type ServiceBusDeferralQueue,
} from './router-deferral-service-bus';
import { azureServiceBus, serviceBusDeferralFromSettings, type ServiceBusTriggerOptions } from './service-bus';

/**
 * The router's Service Bus queue trigger scheduling a copy of a record whose destination asks for
 * a wait, instead of throwing (which has the host abandon it, and Service Bus redeliver it at once
 * until MaxDeliveryCount sends it to the dead-letter subqueue). No Service Bus emulator runs here
 * (Microsoft's needs Docker and SQL Server), so a RECORDING FAKE stands in for the queue's
 * sender, and the host's part is done by the test: a scheduled copy is handed to the adapter as
 * the v4 library would hand it (JSON body parsed, broker fields camelCased in triggerMetadata).
 * The InvocationContext is the library's own; the sender built from the app settings is a real
 * ServiceBusClient whose createSender is replaced, so nothing reaches the network.
 */

interface Scheduled { message: ServiceBusMessage; at: Date }

function fakeQueue(fail?: Error) {
  const scheduled: Scheduled[] = [];
  const queue: ServiceBusDeferralQueue = {
    async schedule(message, at) {
      if (fail) throw fail;
      scheduled.push({ message, at });
      return String(100 + scheduled.length);
    },
  };
  return { scheduled, deferral: () => queue };
}

function capture(rawConfig?: unknown) {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  const counts: { name: string; tags?: Record<string, string> }[] = [];
  const t = testDeps(rawConfig);
  t.deps.logger = logger;
  t.deps.metrics = { count: (name, _v, tags) => void counts.push({ name, tags }), timing: () => undefined };
  return { ...t, lines, counts, getDeps: async () => t.deps };
}

const event: CloudEvent = { specversion: '1.0', id: 'e-1', source: 'secorch://webhook/github', type: 'secorch.finding.created', tenant: 'acme', data: { n: 1 } };
const breakerOpen = (ms: number) => new AppError('destination_failed', 'Delivery failed for: jira', { status: 502, retryable: true, extra: { retryAfterMs: ms } });

/** What the host passes the function for `m`, delivered for the `deliveryCount`-th time. */
function delivery(m: ServiceBusMessage, deliveryCount: number) {
  const bytes = m.body as Buffer;
  let body: unknown = bytes;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // Not JSON text: the library hands bytes over as a Buffer.
  }
  const ctx = new InvocationContext({
    invocationId: `inv-${String(m.messageId)}-${deliveryCount}`, functionName: 'eventRouterServiceBus', logHandler: () => undefined,
    triggerMetadata: {
      messageId: m.messageId, deliveryCount, contentType: m.contentType, sequenceNumber: 7, enqueuedTimeUtc: '2026-01-01T00:00:01Z',
      ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
      ...(m.subject !== undefined ? { subject: m.subject } : {}),
      applicationProperties: m.applicationProperties,
    },
  });
  return [body, ctx] as const;
}

function failing(error: () => unknown) {
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (record) => {
    seen.push(record);
    throw error();
  };
  return { seen, handler };
}

const onQueue = (deferral: () => ServiceBusDeferralQueue): ServiceBusTriggerOptions => ({ entity: 'queue', deferral });

describe('router Service Bus queue trigger: a record whose destination asks for a wait (fake sender: no emulator)', () => {
  it('schedules a copy for the wait (same body, content type and properties, another id) and returns so the host completes the original', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps, clock, lines, counts } = capture();
    const original = toServiceBusMessage(event);
    // Before deferral existed this threw: abandoned, redelivered at once, dead-lettered after ten deliveries.
    await expect(azureServiceBus(failing(() => breakerOpen(120_000)).handler, getDeps, onQueue(deferral))(...delivery(original, 3))).resolves.toBeUndefined();
    expect(scheduled).toHaveLength(1);
    const [{ message, at }] = scheduled as [Scheduled];
    expect(at.getTime()).toBe(clock.now() + 120_000);
    expect(message.body).toEqual(original.body);
    expect(message.contentType).toBe('application/cloudevents+json');
    expect(message.messageId).toBe(`${String(original.messageId)}~7~d1`);
    expect(message.applicationProperties).toEqual({ ...original.applicationProperties, [DEFERRALS_PROPERTY]: 1, [RECEIVES_PROPERTY]: 3 });
    const warned = lines.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.fields).toMatchObject({ messageId: original.messageId, copyMessageId: message.messageId, sequenceNumber: '101', waitMs: 120_000, deferrals: 1 });
    expect(JSON.stringify(warned[0]!.fields)).not.toContain('"n":1'); // no body in the log
    expect(counts).toContainEqual({ name: 'router.deferred', tags: { code: 'destination_failed' } });
  });

  it('hands the copy to the router as the original: same body, its deferral properties not among the attributes, every receive counted', async () => {
    // The last receive (maxReceives) is the message's own tenth delivery: counted on from the same receives.
    const counts = (receiveCount: number, maxReceives: number) => ({ receiveCount, maxReceives, minDeferredWaitMs: MIN_DEFERRED_WAIT_MS });
    const { scheduled, deferral } = fakeQueue();
    const { getDeps } = capture();
    const { seen, handler } = failing(() => breakerOpen(45_500));
    const run = azureServiceBus(handler, getDeps, onQueue(deferral));
    const original = toServiceBusMessage(event);
    await run(...delivery(original, 3));
    await run(...delivery(scheduled[0]!.message, 2));
    const props = original.applicationProperties as Record<string, string>;
    expect(seen).toEqual([
      { id: original.messageId, body: JSON.stringify(event), attributes: props, ...counts(3, 10) },
      // Three deliveries of the original, two of the copy.
      { id: `${String(original.messageId)}~7~d1`, body: JSON.stringify(event), attributes: props, ...counts(5, 13) },
    ]);
    expect(scheduled.map((s) => [s.message.messageId, s.message.applicationProperties?.[DEFERRALS_PROPERTY], s.message.applicationProperties?.[RECEIVES_PROPERTY]]))
      .toEqual([[`${String(original.messageId)}~7~d1`, 1, 3], [`${String(original.messageId)}~7~d2`, 2, 5]]);
  });

  it('with the real router: a destination another consumer holds is called once the copy comes back after the claim', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { deps, getDeps, clock } = capture({
      routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['jira'] }],
      destinations: { jira: { type: 'file', path: '/nonexistent/unused.jsonl' } },
    });
    const called: string[] = [];
    destinations(deps.config).set('jira', async (got) => void called.push(got.id));
    await deps.store.put(claimKey(event, 'jira'), JSON.stringify({ messageId: 'elsewhere', since: clock.now() }), { ttlSeconds: 60 });
    const run = azureServiceBus(eventRouter, getDeps, onQueue(deferral));
    await expect(run(...delivery(toServiceBusMessage(event), 1))).resolves.toBeUndefined();
    expect(called).toEqual([]);
    expect(scheduled.map((s) => s.at.getTime() - clock.now())).toEqual([60_000]);
    clock.advance(60_000); // the host receives the copy once it is enqueued; the claim has lapsed
    await expect(run(...delivery(scheduled[0]!.message, 1))).resolves.toBeUndefined();
    expect(called).toEqual([event.id]);
    expect(scheduled).toHaveLength(1);
  });

  it('keeps body bytes that are not UTF-8 byte for byte', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps } = capture();
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    const { seen, handler } = failing(() => breakerOpen(5_000));
    const run = azureServiceBus(handler, getDeps, onQueue(deferral));
    await run(...delivery({ body: bytes, messageId: 'm-1', contentType: 'application/octet-stream' }, 1));
    expect(scheduled[0]!.message).toMatchObject({ body: bytes, contentType: 'application/octet-stream', messageId: 'm-1~7~d1' });
    await run(...delivery(scheduled[0]!.message, 1));
    expect(seen.map((r) => [r.body, r.bodyEncoding])).toEqual([['/wD+', 'base64'], ['/wD+', 'base64']]);
  });

  it('stops deferring after MAX_DEFERRALS: the copy then fails as before (abandoned, redelivered at once)', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps, lines } = capture();
    const { seen, handler } = failing(() => breakerOpen(900_000));
    const run = azureServiceBus(handler, getDeps, onQueue(deferral));
    await run(...delivery(toServiceBusMessage(event), 1));
    for (let i = 1; i < MAX_DEFERRALS; i++) await run(...delivery(scheduled[i - 1]!.message, 1));
    expect(scheduled).toHaveLength(MAX_DEFERRALS);
    await expect(run(...delivery(scheduled.at(-1)!.message, 1))).rejects.toMatchObject({ code: 'destination_failed' });
    expect(scheduled).toHaveLength(MAX_DEFERRALS);
    expect(new Set(scheduled.map((s) => s.message.messageId)).size).toBe(MAX_DEFERRALS);
    expect(seen.map((r) => r.receiveCount)).toEqual(Array.from({ length: MAX_DEFERRALS + 1 }, (_, i) => i + 1));
    expect(lines.at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/deferred too often/), fields: { deferrals: MAX_DEFERRALS } });
    // The last copy is deferred no more: at its last delivery the router keeps what it would throw.
    expect(seen.map((r) => r.minDeferredWaitMs)).toEqual([...Array.from({ length: MAX_DEFERRALS }, () => MIN_DEFERRED_WAIT_MS), undefined]);
  });

  it('throws, scheduling nothing, for a wait under MIN_DEFERRED_WAIT_MS, an error without a wait, one not worth retrying, or an unexpected one', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps } = capture();
    for (const error of [
      breakerOpen(MIN_DEFERRED_WAIT_MS - 1),
      new AppError('destination_failed', 'x', { status: 502, retryable: true }),
      new AppError('invalid_event', 'x', { status: 400, retryable: false, extra: { retryAfterMs: 120_000 } }),
      new Error('unexpected'),
    ]) await expect(azureServiceBus(failing(() => error).handler, getDeps, onQueue(deferral))(...delivery(toServiceBusMessage(event), 1))).rejects.toBeInstanceOf(AppError);
    expect(scheduled).toHaveLength(0);
    // A short wait is worth it: an abandoned message is back at once, not after a visibility timeout.
    await azureServiceBus(failing(() => breakerOpen(MIN_DEFERRED_WAIT_MS)).handler, getDeps, onQueue(deferral))(...delivery(toServiceBusMessage(event), 1));
    expect(scheduled).toHaveLength(1);
  });

  it('never defers on a topic subscription (a copy would reach every subscription), nor without a deferral', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps } = capture();
    const { seen, handler } = failing(() => breakerOpen(120_000));
    const copyProps = { ...toServiceBusMessage(event).applicationProperties, [DEFERRALS_PROPERTY]: 1, [RECEIVES_PROPERTY]: 4 };
    for (const opts of [{ entity: 'topic', deferral } as const, {}]) {
      await expect(azureServiceBus(handler, getDeps, opts)(...delivery({ ...toServiceBusMessage(event), applicationProperties: copyProps }, 1))).rejects.toBeInstanceOf(AppError);
    }
    expect(scheduled).toHaveLength(0);
    // Such a trigger reads no deferral properties: passed on as attributes, the message's own delivery count.
    expect(seen.map((r) => [r.attributes[DEFERRALS_PROPERTY], r.receiveCount, r.maxReceives, r.minDeferredWaitMs])).toEqual([['1', 1, 10, undefined], ['1', 1, 10, undefined]]);
  });

  it('throws the original error, logged, when the copy cannot be scheduled or the sender cannot be set up: nothing is lost', async () => {
    const { getDeps, lines } = capture();
    const unreachable = fakeQueue(new Error('namespace unreachable')).deferral;
    const unset = () => serviceBusDeferralFromSettings({});
    for (const deferral of [unreachable, unset]) {
      await expect(azureServiceBus(failing(() => breakerOpen(120_000)).handler, getDeps, onQueue(deferral))(...delivery(toServiceBusMessage(event), 1)))
        .rejects.toMatchObject({ code: 'destination_failed' });
    }
    expect(lines.filter((l) => l.level === 'error' && /could not defer/.test(l.msg))).toHaveLength(2);
  });

  it('ignores deferral properties that are not counts: the message counts as an original', async () => {
    const { scheduled, deferral } = fakeQueue();
    const { getDeps } = capture();
    const { seen, handler } = failing(() => breakerOpen(10_000));
    const m = { ...toServiceBusMessage(event), applicationProperties: { cloudEvents_id: 'e-1', [DEFERRALS_PROPERTY]: 'many', [RECEIVES_PROPERTY]: 0 } };
    await azureServiceBus(handler, getDeps, onQueue(deferral))(...delivery(m, 2));
    expect(seen[0]).toMatchObject({ attributes: { cloudEvents_id: 'e-1' }, receiveCount: 2 });
    expect(scheduled[0]!.message.applicationProperties).toEqual({ cloudEvents_id: 'e-1', [DEFERRALS_PROPERTY]: 1, [RECEIVES_PROPERTY]: 2 });
  });
});

describe('copyMessageId', () => {
  it('is the original id with the deferral number, the same for the same deferral, within the 128-character limit', () => {
    expect(copyMessageId('abc', 0)).toBe('abc~d1');
    expect(copyMessageId('abc~d1', 1)).toBe('abc~d2');
    expect(copyMessageId('x~d1', 0)).toBe('x~d1~d1'); // a foreign id that only looks like a copy's
    const long = 'i'.repeat(MAX_MESSAGE_ID_LENGTH);
    const first = copyMessageId(long, 0);
    expect(first).toMatch(/^[0-9a-f]{64}~d1$/);
    expect(copyMessageId(long, 0)).toBe(first);
    expect(copyMessageId(first, 1)).toBe(first.replace(/~d1$/, '~d2'));
    expect(copyMessageId('j'.repeat(MAX_MESSAGE_ID_LENGTH - 3), 0)).toHaveLength(MAX_MESSAGE_ID_LENGTH);
  });
});

describe('an original\'s copy id: its id and its sequence number', () => {
  const record: InboundRecord = { id: 'm-1', body: '{}', attributes: {} };
  const first = { deferrals: 1, receives: 1 };

  it('reads the sequence number however the host hands it over', () => {
    expect([7, '7', 2 ** 53 + 2, -1, '7a', undefined].map(sequenceOf)).toEqual(['7', '7', undefined, undefined, undefined, undefined]);
    // An Int64 past 2^53 as a Long (its fields camelCased by the library): partition 3, number 5.
    expect(sequenceOf({ low: 5, high: 3 << 16, unsigned: false })).toBe(String(3n * 2n ** 48n + 5n));
    expect(sequenceOf({ low: -1, high: 0 })).toBe(String(2 ** 32 - 1));
  });

  it('differs between two messages with the same id; without a sequence number it is never repeated', () => {
    expect(deferredCopy({ messageId: 'm-1', sequenceNumber: 7 }, record, first).messageId).toBe('m-1~7~d1');
    expect(deferredCopy({ messageId: 'm-1', sequenceNumber: 20 }, record, first).messageId).toBe('m-1~20~d1');
    const a = deferredCopy({ messageId: 'm-1' }, record, first).messageId;
    expect(a).toMatch(/^m-1~[0-9a-f-]{36}~d1$/);
    expect(deferredCopy({ messageId: 'm-1' }, record, first).messageId).not.toBe(a);
    // A copy's own sequence number plays no part: its id carries its original's.
    expect(deferredCopy({ messageId: 'm-1~7~d1', sequenceNumber: 8 }, record, { deferrals: 2, receives: 2 }).messageId).toBe('m-1~7~d2');
  });
});

describe('serviceBusDeferralFromSettings (real client, createSender replaced: no network)', () => {
  const CONNECTION = 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=dGVzdA==';
  afterEach(() => jest.restoreAllMocks());

  function recordSenders() {
    const made: { entity: string; fqdn: string }[] = [];
    const calls: { message: ServiceBusMessage; at: Date }[] = [];
    jest.spyOn(ServiceBusClient.prototype, 'createSender').mockImplementation(function (this: ServiceBusClient, entity: string) {
      made.push({ entity, fqdn: this.fullyQualifiedNamespace });
      return {
        async scheduleMessages(message: ServiceBusMessage, at: Date) {
          calls.push({ message, at });
          return [{ toString: () => '42' }];
        },
      } as unknown as ServiceBusSender;
    });
    return { made, calls };
  }

  it('schedules on the queue the trigger reads, over its connection string, the sender made once on first use', async () => {
    const { made, calls } = recordSenders();
    const queue = serviceBusDeferralFromSettings({ SECORCH_SERVICE_BUS: CONNECTION, SECORCH_SERVICE_BUS_ENTITY: 'secorch-events' });
    expect(made).toEqual([]);
    const at = new Date('2026-01-01T00:02:00Z');
    const message = toServiceBusMessage(event);
    await expect(queue.schedule(message, at)).resolves.toBe('42');
    await queue.schedule(message, at);
    expect(made).toEqual([{ entity: 'secorch-events', fqdn: 'contoso.servicebus.windows.net' }]);
    expect(calls).toEqual([{ message, at }, { message, at }]);
  });

  it('with managed identity: the namespace of SECORCH_SERVICE_BUS__fullyQualifiedNamespace', async () => {
    const { made } = recordSenders();
    const queue = serviceBusDeferralFromSettings({ SECORCH_SERVICE_BUS__fullyQualifiedNamespace: 'fabrikam.servicebus.windows.net', SECORCH_SERVICE_BUS_ENTITY: 'q' });
    await queue.schedule(toServiceBusMessage(event), new Date());
    expect(made).toEqual([{ entity: 'q', fqdn: 'fabrikam.servicebus.windows.net' }]);
  });

  it('without the entity or a connection it is a configuration error', () => {
    expect(() => serviceBusDeferralFromSettings({ SECORCH_SERVICE_BUS: CONNECTION })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => serviceBusDeferralFromSettings({ SECORCH_SERVICE_BUS_ENTITY: 'q' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
