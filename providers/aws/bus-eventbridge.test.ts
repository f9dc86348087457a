import { DescribeEventBusCommand, EventBridgeClient, PutEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { entrySize, eventBridgeBus, MAX_DETAIL_TYPE, MAX_ENTRY_BYTES, PutEventsEntryError, toEntry } from './bus-eventbridge';
import { busRecord } from './eventbridge-bus';
import { busTestEvent } from '../../test/support/bus-event';

/**
 * No EventBridge emulator can run here, so the client is a fake `send` (aws-sdk-client-mock is not
 * installed) that records the real command objects and answers like PutEvents / DescribeEventBus.
 */
function fakeEventBridge(answer: (command: unknown) => unknown = () => ({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] })) {
  const calls: unknown[] = [];
  const send = async (command: unknown) => {
    calls.push(command);
    const a = answer(command);
    if (a instanceof Error) throw a;
    return a;
  };
  return { client: { send } as unknown as EventBridgeClient, calls };
}

const BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/secorch';
const event: CloudEvent = busTestEvent();

afterEach(() => jest.restoreAllMocks());

describe('eventBridgeBus (mocked SDK: no emulator)', () => {
  test('PutEvents carries one entry: source, the CloudEvent type as DetailType, the CloudEvent JSON as Detail, its time', async () => {
    const eb = fakeEventBridge();
    await eventBridgeBus({ busName: BUS, client: eb.client }).publish(event);
    expect(eb.calls).toHaveLength(1);
    expect(eb.calls[0]).toBeInstanceOf(PutEventsCommand);
    expect((eb.calls[0] as PutEventsCommand).input).toEqual({
      Entries: [{
        EventBusName: BUS,
        Source: 'secorch',
        DetailType: 'secorch.finding.created',
        Detail: JSON.stringify(event),
        Time: new Date('2026-01-01T00:00:00Z'),
      }],
    });
    expect(JSON.parse((eb.calls[0] as PutEventsCommand).input.Entries![0]!.Detail!)).toEqual(event);
  });

  test(`a type longer than DetailType's ${MAX_DETAIL_TYPE} characters is cut there, marked (never inside an emoji); Detail keeps it whole`, async () => {
    const eb = fakeEventBridge();
    const long = { ...event, type: `com.example.${'x'.repeat(MAX_DETAIL_TYPE - 14)}\u{1F512}.more` };
    await eventBridgeBus({ busName: BUS, client: eb.client }).publish(long);
    const entry = (eb.calls[0] as PutEventsCommand).input.Entries![0]!;
    expect(entry.DetailType).toBe(`${long.type.slice(0, MAX_DETAIL_TYPE - 2)}…`);
    expect(JSON.parse(entry.Detail!).type).toBe(long.type);
    const exact = { ...event, type: 'y'.repeat(MAX_DETAIL_TYPE) };
    expect(toEntry(exact, BUS, 'secorch').DetailType).toBe(exact.type);
  });

  test('a configured source is used; an event without time leaves Time to EventBridge', async () => {
    const eb = fakeEventBridge();
    const { time: _time, ...untimed } = event;
    await eventBridgeBus({ busName: 'secorch', source: 'com.example.secorch', client: eb.client }).publish(untimed as CloudEvent);
    expect((eb.calls[0] as PutEventsCommand).input.Entries).toEqual([
      { EventBusName: 'secorch', Source: 'com.example.secorch', DetailType: 'secorch.finding.created', Detail: JSON.stringify(untimed) },
    ]);
  });

  test('a 200 answer with a failed entry rejects as retryable bus_unavailable carrying ErrorCode and ErrorMessage', async () => {
    const eb = fakeEventBridge(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] }));
    const err = await eventBridgeBus({ busName: BUS, client: eb.client }).publish(event).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bus_unavailable', status: 503, retryable: true, message: 'The event bus did not accept the event' });
    const cause = (err as { cause: unknown }).cause;
    expect(cause).toBeInstanceOf(PutEventsEntryError);
    expect(cause).toMatchObject({ errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' });
  });

  test('an entry refused with a code PutEvents documents as retryable is sent again; the answer then decides', async () => {
    // The SDK retries a throttled request (HTTP 429/5xx), not a 200 whose entry failed:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html ("Handling failures with PutEvents").
    const answers = [
      { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] },
      { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }] },
      { FailedEntryCount: 0, Entries: [{ EventId: 'eb-3' }] },
    ];
    const eb = fakeEventBridge(() => answers.shift());
    await expect(eventBridgeBus({ busName: BUS, client: eb.client }).publish(event)).resolves.toBeUndefined();
    expect(eb.calls).toHaveLength(3);
    // The same entry each time.
    expect(new Set(eb.calls.map((c) => JSON.stringify((c as PutEventsCommand).input)))).toEqual(new Set([JSON.stringify((eb.calls[0] as PutEventsCommand).input)]));
  });

  test('an entry throttled on every attempt rejects as retryable bus_unavailable after a bounded number of sends', async () => {
    const eb = fakeEventBridge(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] }));
    await expect(eventBridgeBus({ busName: BUS, client: eb.client }).publish(event)).rejects.toMatchObject({ code: 'bus_unavailable', retryable: true });
    expect(eb.calls).toHaveLength(3);
  });

  test('an entry refused for itself (MalformedDetail, AccessDenied...) is not sent again', async () => {
    for (const ErrorCode of ['MalformedDetail', 'AccessDeniedException', 'NotAuthorizedForSourceException']) {
      const eb = fakeEventBridge(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode, ErrorMessage: 'no' }] }));
      const err = await eventBridgeBus({ busName: BUS, client: eb.client }).publish(event).catch((e: unknown) => e);
      expect((err as { cause: unknown }).cause).toMatchObject({ errorCode: ErrorCode });
      expect(eb.calls).toHaveLength(1);
    }
  });

  test('an SDK error rejects as bus_unavailable with the SDK error as the cause', async () => {
    const failure = new ResourceNotFoundException({ message: 'Event bus secorch does not exist.', $metadata: {} });
    const eb = fakeEventBridge(() => failure);
    await expect(eventBridgeBus({ busName: BUS, client: eb.client }).publish(event)).rejects.toMatchObject({ code: 'bus_unavailable', cause: failure });
  });

  test('an entry over 1 MiB less 8 KiB (room for the envelope of the router\'s invocation) is refused before sending (non-retryable); one at the limit is sent', async () => {
    expect(MAX_ENTRY_BYTES).toBe(1_040_384);
    const eb = fakeEventBridge();
    const bus = eventBridgeBus({ busName: BUS, client: eb.client });
    const sized = (bytes: number) => {
      const base = { ...event, data: { blob: '' } };
      return { ...base, data: { blob: 'x'.repeat(bytes - entrySize(toEntry(base, BUS, 'secorch'))) } };
    };
    expect(entrySize(toEntry(sized(MAX_ENTRY_BYTES), BUS, 'secorch'))).toBe(MAX_ENTRY_BYTES);
    await expect(bus.publish(sized(MAX_ENTRY_BYTES))).resolves.toBeUndefined();
    await expect(bus.publish(sized(MAX_ENTRY_BYTES + 1))).rejects.toMatchObject({ code: 'bus_message_too_large', retryable: false });
    expect(eb.calls).toHaveLength(1);
  });

  test('check() is DescribeEventBus on the bus; a failure is bus_unavailable', async () => {
    let fail = false;
    const eb = fakeEventBridge(() => (fail ? new ResourceNotFoundException({ message: 'not found', $metadata: {} }) : { Name: 'secorch', Arn: BUS }));
    const bus = eventBridgeBus({ busName: BUS, client: eb.client });
    await expect(bus.check()).resolves.toBeUndefined();
    expect(eb.calls[0]).toBeInstanceOf(DescribeEventBusCommand);
    expect((eb.calls[0] as DescribeEventBusCommand).input).toEqual({ Name: BUS });
    fail = true;
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', message: 'The event bus is not reachable' });
  });

  test('without a client one is built on first use from region and endpoint', async () => {
    const seen: EventBridgeClient[] = [];
    jest.spyOn(EventBridgeClient.prototype, 'send').mockImplementation(async function (this: EventBridgeClient) {
      seen.push(this);
      return { FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] };
    } as never);
    const bus = eventBridgeBus({ busName: BUS, region: 'eu-west-1', endpoint: 'http://127.0.0.1:4010' });
    expect(seen).toHaveLength(0);
    await bus.publish(event);
    await bus.publish(event);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
    expect(await seen[0]!.config.region()).toBe('eu-west-1');
    expect(await seen[0]!.config.endpoint!()).toMatchObject({ hostname: '127.0.0.1', port: 4010, protocol: 'http:' });
  });
});

describe('entrySize (EventBridge PutEvents entry size rules)', () => {
  test('Time counts 14 bytes; strings count their UTF-8 bytes', () => {
    expect(entrySize({ Source: 'é', DetailType: 'ab', Detail: '{}' })).toBe(2 + 2 + 2);
    expect(entrySize({ Source: 'a', DetailType: 'b', Detail: '{}', Time: new Date(0), Resources: ['arn:x'] })).toBe(14 + 1 + 1 + 2 + 5);
  });
});

/**
 * The EventBus contract over the fake PutEvents (mocked SDK: no emulator). The fake accepts an
 * entry only after a macrotask (as a network round trip would), so a publish that did not wait
 * for the answer would be caught; received = each accepted entry as the EventBridge event a rule
 * delivers to Lambda, read by the router's trigger adapter (busRecord) and parser (parseEvent).
 */
describeEventBusContract('eventBridgeBus (mocked SDK: no emulator)', async () => {
  const accepted: { entry: NonNullable<PutEventsCommand['input']['Entries']>[number]; eventId: string }[] = [];
  let ids = 0;
  const client = {
    send: async (command: unknown) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (command instanceof DescribeEventBusCommand) return { Name: 'secorch', Arn: BUS };
      if (!(command instanceof PutEventsCommand)) throw new Error('unexpected command');
      const entries = command.input.Entries ?? [];
      const answers = entries.map((entry) => {
        const eventId = `eb-${++ids}`;
        accepted.push({ entry, eventId });
        return { EventId: eventId };
      });
      return { FailedEntryCount: 0, Entries: answers };
    },
  } as unknown as EventBridgeClient;
  const missing = {
    send: async () => {
      throw new ResourceNotFoundException({ message: 'Event bus secorch-missing does not exist.', $metadata: { httpStatusCode: 400 } });
    },
  } as unknown as EventBridgeClient;
  return {
    bus: eventBridgeBus({ busName: BUS, client }),
    maxBytes: MAX_ENTRY_BYTES,
    received: async () => accepted.map(({ entry, eventId }) => parseEvent(busRecord({
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: '111122223333',
      time: (entry.Time ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'eu-west-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail!) as unknown,
    }).body)),
    unhealthy: async () => eventBridgeBus({ busName: `${BUS}-missing`, client: missing }),
  };
});
