import type { CloudEvent as GcfCloudEvent } from '@google-cloud/functions-framework';
import { IAM, PubSub, Topic } from '@google-cloud/pubsub';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { pubsubBus } from './bus-pubsub';
import { type MessagePublishedData, PUBSUB_PUBLISHED, pubsubRecord } from './pubsub';
import { busTestEvent } from '../../test/support/bus-event';

/**
 * No Pub/Sub emulator can run here (it needs Java and a gcloud download), so these tests MOCK
 * AT THE CLIENT: a real PubSub client and real Topic objects, with Topic.prototype.publishMessage,
 * Topic.prototype.getMetadata and IAM.prototype.testPermissions replaced by jest spies. Nothing
 * reaches the network.
 */

const event: CloudEvent = busTestEvent();

afterEach(() => jest.restoreAllMocks());

describe('pubsubBus (Pub/Sub client mocked: no emulator runs here)', () => {
  it('publishes the CloudEvent JSON as data with ce-type/ce-source/ce-id attributes to the named topic', async () => {
    const calls: { topic: string; data: unknown; attributes: unknown }[] = [];
    jest.spyOn(Topic.prototype, 'publishMessage').mockImplementation(async function (this: Topic, message) {
      calls.push({ topic: this.name, data: message.data, attributes: message.attributes });
      return 'msg-1';
    } as Topic['publishMessage']);
    const bus = pubsubBus({ topic: 'projects/test-project/topics/secorch-events', client: new PubSub({ projectId: 'test-project' }) });

    await bus.publish(event);
    await bus.publish({ ...event, id: 'evt-2' });

    expect(calls).toHaveLength(2);
    expect(calls[0]!.topic).toBe('projects/test-project/topics/secorch-events');
    expect(Buffer.isBuffer(calls[0]!.data)).toBe(true);
    expect(JSON.parse((calls[0]!.data as Buffer).toString('utf8'))).toEqual(event);
    expect(calls[0]!.attributes).toEqual({ 'ce-type': 'secorch.finding.created', 'ce-source': 'secorch://webhook/github', 'ce-id': 'evt-1' });
    expect((calls[1]!.attributes as Record<string, string>)['ce-id']).toBe('evt-2');
  });

  it('creates its own client lazily on first use and reuses the topic', async () => {
    const publish = jest.spyOn(Topic.prototype, 'publishMessage').mockResolvedValue('msg-1' as never);
    const topicSpy = jest.spyOn(PubSub.prototype, 'topic');
    const bus = pubsubBus({ topic: 'projects/test-project/topics/secorch-events' });
    expect(topicSpy).not.toHaveBeenCalled();
    await bus.publish(event);
    await bus.publish(event);
    expect(topicSpy).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledTimes(2);
  });

  it('rejects with bus_unavailable when the client rejects, keeping the client error as the cause', async () => {
    const failure = new Error('5 NOT_FOUND: Resource not found (resource=secorch-events).');
    jest.spyOn(Topic.prototype, 'publishMessage').mockRejectedValue(failure as never);
    const bus = pubsubBus({ topic: 'secorch-events', client: new PubSub({ projectId: 'test-project' }) });
    await expect(bus.publish(event)).rejects.toMatchObject({ code: 'bus_unavailable', message: 'The event topic did not accept the event', cause: failure });
  });

  it('leaves out a ce- attribute over Pub/Sub\'s 1,024-byte value limit instead of failing every publish as "unavailable"', async () => {
    // The service refuses the whole request when an attribute value is over 1,024 bytes
    // (https://cloud.google.com/pubsub/quotas#resource_limits): INVALID_ARGUMENT, code 3.
    const sent: Record<string, string>[] = [];
    jest.spyOn(Topic.prototype, 'publishMessage').mockImplementation(async (message) => {
      const attributes = (message.attributes ?? {}) as Record<string, string>;
      if (Object.values(attributes).some((v) => Buffer.byteLength(v) > 1024)) {
        throw Object.assign(new Error('3 INVALID_ARGUMENT: One of the attributes in the request has a value that is too long.'), { code: 3 });
      }
      sent.push(attributes);
      return 'msg-1';
    });
    const bus = pubsubBus({ topic: 'secorch-events', client: new PubSub({ projectId: 'test-project' }) });
    // A client may POST /events with a source of any length (a URI-reference): 1,025 bytes here.
    const long: CloudEvent = { ...event, source: `https://scanner.example/${'a'.repeat(1001)}`, type: 'secorch.webhook.received' };
    await expect(bus.publish(long)).resolves.toBeUndefined();
    expect(sent).toEqual([{ 'ce-type': 'secorch.webhook.received', 'ce-id': 'evt-1' }]);
    // Exactly 1,024 bytes is still sent as an attribute.
    const edge = `https://scanner.example/${'a'.repeat(1000)}`;
    await bus.publish({ ...event, source: edge });
    expect(sent[1]!['ce-source']).toBe(edge);
  });

  /**
   * The service's IAM, as the fakes below answer for one function's service account: getMetadata
   * needs pubsub.topics.get (PERMISSION_DENIED, code 7, without it), testIamPermissions needs
   * nothing and answers the subset of the asked permissions the caller holds, empty for a topic
   * that does not exist. roles/pubsub.publisher grants pubsub.topics.publish alone;
   * roles/pubsub.viewer grants pubsub.topics.get and not publish.
   * https://cloud.google.com/pubsub/docs/access-control#roles
   */
  function grant(permissions: string[], topicExists = true) {
    const denied = () => Object.assign(new Error('7 PERMISSION_DENIED: User not authorized to perform this action.'), { code: 7 });
    jest.spyOn(Topic.prototype, 'getMetadata').mockImplementation((async () => {
      if (!permissions.includes('pubsub.topics.get')) throw denied();
      if (!topicExists) throw Object.assign(new Error('5 NOT_FOUND: Resource not found'), { code: 5 });
      return [{}];
    }) as unknown as Topic['getMetadata']);
    const tested = jest.spyOn(IAM.prototype, 'testPermissions').mockImplementation((async (asked: string[]) =>
      [Object.fromEntries(asked.map((p) => [p, topicExists && permissions.includes(p)])), {}]) as unknown as IAM['testPermissions']);
    return { bus: pubsubBus({ topic: 'secorch-events', client: new PubSub({ projectId: 'test-project' }) }), tested };
  }

  it('check() resolves for a service account with roles/pubsub.publisher alone, which cannot read the topic', async () => {
    const { bus, tested } = grant(['pubsub.topics.publish']);
    await expect(bus.check()).resolves.toBeUndefined();
    expect(tested).toHaveBeenCalledWith(['pubsub.topics.publish'], expect.objectContaining({ timeout: expect.any(Number) }));
  });

  it('check() rejects when the function may read the topic but not publish to it (roles/pubsub.viewer)', async () => {
    const { bus } = grant(['pubsub.topics.get']);
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', message: 'The event topic does not exist, or this function may not publish to it' });
  });

  it('check() rejects when the topic does not exist', async () => {
    const { bus } = grant(['pubsub.topics.get', 'pubsub.topics.publish'], false);
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', message: 'The event topic does not exist, or this function may not publish to it' });
  });

  it('check() rejects with a retryable bus_unavailable when the service cannot be reached', async () => {
    jest.spyOn(IAM.prototype, 'testPermissions').mockRejectedValue(Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 10.0.0.1:443'), { code: 14 }) as never);
    const bus = pubsubBus({ topic: 'secorch-events', client: new PubSub({ projectId: 'test-project' }) });
    await expect(bus.check()).rejects.toMatchObject({ code: 'bus_unavailable', retryable: true });
  });
});

/**
 * The EventBus contract over a real PubSub client with Topic.publishMessage and
 * IAM.testPermissions replaced (mocked SDK: no emulator). The fake stores a message only after a
 * macrotask (as the service's answer would arrive), and refuses a request over Pub/Sub's 10 MiB
 * limit with INVALID_ARGUMENT as the service does
 * (https://cloud.google.com/pubsub/quotas#resource_limits).
 * received = each stored message as the messagePublished CloudEvent Eventarc pushes (data
 * base64), read by the router's trigger adapter (pubsubRecord) and parsed by the router.
 */
const PUBSUB_LIMIT = 10 * 1024 * 1024;
describeEventBusContract('pubsubBus (mocked SDK: no emulator)', async () => {
  const TOPIC = 'projects/test-project/topics/secorch-events';
  const stored: { data: Buffer; attributes: Record<string, string>; messageId: string }[] = [];
  const notFound = () => Object.assign(new Error('5 NOT_FOUND: Resource not found (resource=missing).'), { code: 5 });
  jest.spyOn(Topic.prototype, 'publishMessage').mockImplementation(async function (this: Topic, message) {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.name !== TOPIC) throw notFound();
    const data = message.data as Buffer;
    const attributes = (message.attributes ?? {}) as Record<string, string>;
    const size = data.length + Object.entries(attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > PUBSUB_LIMIT) {
      throw Object.assign(new Error(`3 INVALID_ARGUMENT: Request payload size exceeds the limit: ${PUBSUB_LIMIT} bytes.`), { code: 3 });
    }
    const messageId = String(1000 + stored.length);
    stored.push({ data, attributes, messageId });
    return messageId;
  } as Topic['publishMessage']);
  // testIamPermissions answers no permission on a topic that does not exist (no NOT_FOUND).
  jest.spyOn(IAM.prototype, 'testPermissions').mockImplementation(async function (this: IAM, asked: string[]) {
    await new Promise((resolve) => setImmediate(resolve));
    return [Object.fromEntries(asked.map((p) => [p, this.id === TOPIC])), {}];
  } as unknown as IAM['testPermissions']);
  const client = new PubSub({ projectId: 'test-project' });
  return {
    bus: pubsubBus({ topic: TOPIC, client }),
    maxBytes: PUBSUB_LIMIT,
    received: async () => stored.map((m) => {
      const ce = {
        specversion: '1.0', id: m.messageId, type: PUBSUB_PUBLISHED,
        source: '//pubsub.googleapis.com/projects/test-project/topics/secorch-events',
        data: {
          message: { data: m.data.toString('base64'), attributes: m.attributes, messageId: m.messageId, publishTime: '2026-01-01T00:00:01Z' },
          subscription: 'projects/test-project/subscriptions/eventarc-router',
        },
      } as GcfCloudEvent<MessagePublishedData>;
      return parseEvent(pubsubRecord(ce).body);
    }),
    unhealthy: async () => pubsubBus({ topic: 'projects/test-project/topics/missing', client }),
    cleanup: async () => {
      jest.restoreAllMocks();
    },
  };
});
