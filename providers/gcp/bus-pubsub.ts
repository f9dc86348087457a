import type { PubSub, Topic } from '@google-cloud/pubsub';
import { AppError, errors } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';
import { gaxCallOptions, type GcpTimeouts } from './client-options';
import { busUnavailable } from './unavailable';

export interface PubsubBusOptions extends GcpTimeouts {
  /** Topic name or full path (projects/<project>/topics/<topic>). */
  topic: string;
  /** A ready client (tests, or a shared one); by default one is created on first use. */
  client?: PubSub;
  /** Endpoint of the client made here (`host:port`; not *.googleapis.com: emulator mode, no TLS). */
  apiEndpoint?: string;
}

/**
 * Pub/Sub refuses a whole publish (INVALID_ARGUMENT) when an attribute value is over 1,024 bytes
 * (https://cloud.google.com/pubsub/quotas#resource_limits), and type, source and id have no
 * length limit in CloudEvents: a client may send a longer one to POST /events.
 */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;

/**
 * The Pub/Sub message for an event: the structured CloudEvent JSON as data, and the context
 * attributes subscriptions filter on as `ce-` attributes (the attribute names Google's
 * CloudEvents Pub/Sub binding uses), so a subscription filter can select by type or source
 * without reading the body. https://cloud.google.com/pubsub/docs/subscription-message-filter
 * An attribute too long for Pub/Sub is left out (never cut: a cut value would match filters the
 * real one does not); the data always carries the whole event, which is what the router reads.
 */
export function toPubsubMessage(event: CloudEvent): { data: Buffer; attributes: Record<string, string> } {
  const attributes: Record<string, string> = {};
  for (const [name, value] of [['ce-type', event.type], ['ce-source', event.source], ['ce-id', event.id]] as const) {
    if (Buffer.byteLength(value, 'utf8') <= MAX_ATTRIBUTE_VALUE_BYTES) attributes[name] = value;
  }
  return { data: Buffer.from(JSON.stringify(event), 'utf8'), attributes };
}

/** gRPC NOT_FOUND: the topic does not exist. */
const NOT_FOUND = 5;
/** What publishing needs, and all that roles/pubsub.publisher grants (not pubsub.topics.get). */
const PUBLISH = 'pubsub.topics.publish';

/** Pub/Sub's message size limit: data plus attribute keys and values (https://cloud.google.com/pubsub/quotas#resource_limits). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const tooLarge = (event: CloudEvent, size: number, cause?: unknown) =>
  new AppError('bus_message_too_large', `Event ${event.id} is ${size} bytes as a Pub/Sub message; the limit is ${MAX_MESSAGE_BYTES}`, { status: 500, retryable: false, expose: false, cause });

/**
 * EventBus on a Pub/Sub topic (the topic the event-router function is subscribed to).
 * `@google-cloud/pubsub` pulls in gRPC, so it is loaded and the client built on first use rather
 * than at cold start. publishMessage resolves with the message id once the service stored it.
 * https://cloud.google.com/nodejs/docs/reference/pubsub/latest/pubsub/topic#_google_cloud_pubsub_Topic_publishMessage_member_1_
 */
export function pubsubBus(opts: PubsubBusOptions): EventBus {
  let topic: Promise<Topic> | undefined;
  const getTopic = (): Promise<Topic> => {
    topic ??= (opts.client ? Promise.resolve(opts.client) : import('@google-cloud/pubsub').then(({ PubSub }) => new PubSub(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {})))
      // Publish and admin calls (exists) bounded (client-options.ts); batching stays the client's.
      .then((client) => client.topic(opts.topic, { gaxOpts: gaxCallOptions(opts) }))
      .catch((e: unknown) => {
        topic = undefined;
        throw e;
      });
    return topic;
  };

  return {
    async publish(event) {
      const message = toPubsubMessage(event);
      const size = message.data.length + Object.entries(message.attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      // Refused before sending: INVALID_ARGUMENT would otherwise look like an outage and be retried forever.
      if (size > MAX_MESSAGE_BYTES) throw tooLarge(event, size);
      try {
        await (await getTopic()).publishMessage(message);
      } catch (e) {
        if ((e as { code?: unknown }).code === 3 && /size/i.test(String((e as Error).message))) throw tooLarge(event, size, e);
        // The client's error text names the project and topic: keep it as the (logged) cause only.
        throw busUnavailable('The event topic did not accept the event', e) ?? errors.unavailable('bus_unavailable', 'The event topic did not accept the event', e);
      }
    },
    async check() {
      let allowed = false;
      try {
        // Asks whether this function may publish, the one thing it does with the topic: reading the
        // topic (getMetadata) needs pubsub.topics.get, which roles/pubsub.publisher does not grant:
        // a least-privilege function would never be ready, and one that may read the topic but not
        // publish to it would be. testIamPermissions needs no permission of its own and answers an
        // empty set for a topic that does not exist:
        // https://cloud.google.com/pubsub/docs/reference/rpc/google.iam.v1#google.iam.v1.IAMPolicy.TestIamPermissions
        const [permissions] = await (await getTopic()).iam.testPermissions([PUBLISH], gaxCallOptions(opts));
        allowed = permissions[PUBLISH] === true;
      } catch (e) {
        if ((e as { code?: unknown } | null)?.code !== NOT_FOUND) throw busUnavailable('The event topic is not reachable', e) ?? errors.unavailable('bus_unavailable', 'The event topic is not reachable', e);
      }
      if (!allowed) throw errors.unavailable('bus_unavailable', 'The event topic does not exist, or this function may not publish to it');
    },
  };
}
