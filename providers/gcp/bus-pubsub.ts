import type { PubSub, Topic } from '@google-cloud/pubsub';
import { AppError, errors } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';

export interface PubsubBusOptions {
  /** Topic name or full path (projects/<project>/topics/<topic>). */
  topic: string;
  /** A ready client (tests, or a shared one); by default one is created on first use. */
  client?: PubSub;
}

/**
 * The Pub/Sub message for an event: the structured CloudEvent JSON as data, and the context
 * attributes subscriptions filter on as `ce-` attributes (the attribute names Google's
 * CloudEvents Pub/Sub binding uses), so a subscription filter can select by type or source
 * without reading the body. https://cloud.google.com/pubsub/docs/subscription-message-filter
 */
export function toPubsubMessage(event: CloudEvent): { data: Buffer; attributes: Record<string, string> } {
  return {
    data: Buffer.from(JSON.stringify(event), 'utf8'),
    attributes: { 'ce-type': event.type, 'ce-source': event.source, 'ce-id': event.id },
  };
}

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
    topic ??= (opts.client ? Promise.resolve(opts.client) : import('@google-cloud/pubsub').then(({ PubSub }) => new PubSub()))
      .then((client) => client.topic(opts.topic))
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
        throw errors.unavailable('bus_unavailable', 'The event topic did not accept the event', e);
      }
    },
    async check() {
      let exists: boolean;
      try {
        [exists] = await (await getTopic()).exists();
      } catch (e) {
        throw errors.unavailable('bus_unavailable', 'The event topic is not reachable', e);
      }
      if (!exists) throw errors.unavailable('bus_unavailable', 'The event topic does not exist');
    },
  };
}
