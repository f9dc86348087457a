import type { ServiceBusMessage } from '@azure/service-bus';
import { AppError, errors } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import type { EventBus } from '../../shared/ports';
import { lazyServiceBusSender, type ServiceBusSenderOptions } from './service-bus-sender';

/**
 * The entity and how to reach it as for the router's delayed copies (service-bus-sender.ts): with
 * `namespace`, `clientId` names the user-assigned managed identity to publish as (credential.ts).
 */
export interface ServiceBusBusOptions extends ServiceBusSenderOptions {
  /** Largest message the entity accepts: 256 KiB on Standard (default), more on Premium. */
  maxMessageBytes?: number;
}

/** https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas (Standard tier). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The message for an event, in the CloudEvents AMQP binding's STRUCTURED mode: the event JSON is
 * the data section and content-type says `application/cloudevents+json`. Structured rather than
 * binary because the router reads the whole event from the body on every bus (extensions such as
 * `tenant` and `origin` included), and the message can be forwarded to another protocol as is.
 * Binding section 3.2.3 allows the binary-mode application properties too, so type/source/id/
 * specversion are copied with the `cloudEvents_` prefix the binding prefers (':' is not allowed
 * in JMS selectors nor Service Bus SQL filters): a topic subscription can filter on
 * `cloudEvents_type LIKE 'secorch.finding.%'` without reading the body.
 * https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/amqp-protocol-binding.md
 *
 * The body is a Buffer: the SDK JSON-stringifies any other body, which would put a quoted string
 * in the data section. messageId is derived from (source, id), the CloudEvents identity the
 * router also keys on, so duplicate detection (when enabled on the entity) drops a republished
 * event but never a different event that reuses an id under another source.
 * https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection
 */
export function toServiceBusMessage(event: CloudEvent): ServiceBusMessage {
  return {
    body: Buffer.from(JSON.stringify(event), 'utf8'),
    contentType: 'application/cloudevents+json',
    messageId: stableEventId(event.source, event.id),
    applicationProperties: fittingProperties([
      ['cloudEvents_specversion', event.specversion],
      ['cloudEvents_id', event.id],
      ['cloudEvents_type', event.type],
      ['cloudEvents_source', event.source],
    ]),
  };
}

/**
 * Service Bus refuses a message with a property over 32 KB, or whose header (every property, the
 * system ones such as messageId included) is over 64 KB: a SerializationException, which no retry
 * fixes. https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
 * CloudEvents sets no length limit on id, type or source (a client of POST /events picks them),
 * so a property that does not fit is left out, never cut (a cut value would match filters the
 * real one does not); the body always holds the whole event, which is what the router reads.
 */
export const MAX_PROPERTY_BYTES = 32 * 1024;
/** 64 KB less room for the system properties (messageId, contentType, the broker's own). */
export const MAX_PROPERTIES_BYTES = 60 * 1024;

function fittingProperties(props: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [key, value] of props) {
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > MAX_PROPERTY_BYTES || total + bytes > MAX_PROPERTIES_BYTES) continue;
    out[key] = value;
    total += bytes;
  }
  return out;
}

/** Body plus properties, in UTF-8 bytes: what the size quota counts, less the AMQP framing. */
export function messageSize(m: ServiceBusMessage): number {
  const props = Object.entries(m.applicationProperties ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  return (m.body as Buffer).length + props + Buffer.byteLength(String(m.messageId ?? '')) + Buffer.byteLength(m.contentType ?? '');
}

const tooLarge = (event: CloudEvent, limit: number, cause?: unknown) =>
  new AppError('bus_message_too_large', `Event ${event.id} is over the ${limit}-byte Service Bus message limit`, { status: 500, retryable: false, expose: false, cause });

/**
 * A session-enabled queue takes only messages with a session id, which this bus does not set (the
 * router's trigger reads without sessions too). The broker refuses each send with an
 * InvalidOperationException, which the SDK reports as a GeneralError carrying the broker's text:
 * that text is the only mark, so when it changes the failure is the retryable bus_unavailable again.
 * (A session-enabled topic subscription is not seen here: the topic takes the message and the
 * subscription dead-letters it.) https://learn.microsoft.com/azure/service-bus-messaging/message-sessions
 */
const SESSION_REQUIRED = /SessionId was not set|session support enabled|session enabled entity/i;
const needsSession = (e: unknown): boolean => SESSION_REQUIRED.test(String((e as { message?: unknown } | null)?.message ?? ''));
/** A configuration error (errors.config's code and form), with the SDK's error as its cause. */
const sessionsEnabled = (entity: string, cause: unknown) => new AppError(
  'invalid_config',
  `The Service Bus entity "${entity}" has sessions enabled, so it refuses every message without a session id; this bus sets none: disable sessions on it (requiresSession: false)`,
  { status: 500, retryable: false, expose: false, extra: { path: 'bus.entity' }, cause },
);

/**
 * EventBus on a Service Bus queue or topic. The SDK (AMQP over one connection) is loaded and the
 * sender created on first use; the connection then stays open for the life of the instance.
 * Retries are bounded so a publish inside a webhook request fails within seconds (503, the sender
 * retries) instead of the SDK's default minute-long attempts.
 */
export function serviceBusBus(opts: ServiceBusBusOptions): EventBus {
  if (!opts.client && !opts.connectionString && !opts.namespace) {
    throw errors.config('bus: service-bus needs namespace or connectionString', 'bus.namespace');
  }
  const limit = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const sender = lazyServiceBusSender(opts);

  return {
    async publish(event) {
      const message = toServiceBusMessage(event);
      if (messageSize(message) > limit) throw tooLarge(event, limit);
      try {
        await (await sender()).sendMessages(message);
      } catch (e) {
        // MessageSizeExceeded: over the limit once AMQP headers are counted. Anything else (entity
        // missing, no Send right, throttled) may pass: the SDK error names the namespace, so it
        // stays the logged cause only.
        if ((e as { code?: unknown }).code === 'MessageSizeExceeded') throw tooLarge(event, limit, e);
        if (needsSession(e)) throw sessionsEnabled(opts.entity, e);
        throw errors.unavailable('bus_unavailable', 'The event bus did not accept the event', e);
      }
    },
    /**
     * Opens the sender link without sending: proves the namespace answers, the entity exists and
     * this identity holds Send on it, which is all publish needs (the administration client would
     * need Manage rights the function should not have).
     */
    async check() {
      try {
        await (await sender()).createMessageBatch();
      } catch (e) {
        throw errors.unavailable('bus_unavailable', 'The event bus is not reachable', e);
      }
    },
  };
}
