import { app, type InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import { errors } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { queueMaxReceives } from '../common/queue-max-receives';
import { configuredClientId, SERVICE_BUS_CONNECTION } from './credential';
import { queueMessageBody } from './queue';
import { MAX_DEFERRALS } from './router-deferral';
import { deferServiceBusRecord, MIN_DEFERRED_WAIT_MS, type ServiceBusDeferralQueue, serviceBusQueueDeferral, takeDeferralCounts } from './router-deferral-service-bus';

/**
 * An entity's MaxDeliveryCount when it is not set (Service Bus's default): a message delivered that
 * often goes to the dead-letter subqueue when it fails again. An entity created with another sets
 * SECORCH_QUEUE_MAX_RECEIVES (providers/common/queue-max-receives.ts).
 * https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues#maximum-delivery-count
 */
export const SERVICE_BUS_MAX_DELIVERY_COUNT = 10;

/**
 * Azure Service Bus trigger (Node programming model v4, cardinality `one`) -> portable
 * RecordHandler. https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger?pivots=programming-language-javascript
 *
 * The host hands over the body as the v4 library decodes it: a string, the parsed JSON when the
 * text looks like JSON (our structured CloudEvents do), or a Buffer; queueMessageBody turns any of
 * them back into text. `context.triggerMetadata` carries the broker's fields, first letter lowered by
 * the library at every level: messageId, deliveryCount, enqueuedTimeUtc, sequenceNumber,
 * contentType, applicationProperties (an object, whose keys get the same lowering: our
 * `cloudEvents_*` keys are unaffected). With the delivery count goes the entity's
 * `maxDeliveryCount` as maxReceives.
 */
export function serviceBusRecord(message: unknown, ctx: InvocationContext, maxDeliveryCount = SERVICE_BUS_MAX_DELIVERY_COUNT): InboundRecord {
  const meta = ctx.triggerMetadata ?? {};
  const deliveryCount = Number(meta.deliveryCount);
  const attributes: Record<string, string> = {};
  const props = meta.applicationProperties;
  if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
    for (const [key, v] of Object.entries(props)) {
      if (v === null || v === undefined) continue;
      attributes[key] = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
  return {
    id: typeof meta.messageId === 'string' && meta.messageId !== '' ? meta.messageId : ctx.invocationId,
    ...queueMessageBody(message),
    attributes,
    ...(Number.isFinite(deliveryCount) && deliveryCount > 0 ? { receiveCount: deliveryCount, maxReceives: maxDeliveryCount } : {}),
  };
}

/** The kind of entity the trigger reads (registerServiceBusTrigger). */
export type ServiceBusEntity = 'queue' | 'topic';

export interface ServiceBusTriggerOptions {
  /** The entity the trigger reads: only a queue's records are deferred. */
  entity?: ServiceBusEntity;
  /** The event router's queue trigger: where a record asking for a wait is scheduled again (router-deferral-service-bus.ts). */
  deferral?: () => ServiceBusDeferralQueue;
}

/**
 * Wraps a record handler as a Service Bus trigger handler. Settlement is the host's: with
 * `autoCompleteMessages` (host.json extensions.serviceBus, default true) it COMPLETES the message
 * when the function returns and ABANDONS it when the function throws; Service Bus then redelivers
 * it at once, until its delivery count passes the entity's MaxDeliveryCount (default 10), and
 * moves it to the entity's dead-letter queue (reason MaxDeliveryCountExceeded).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#peeklock-behavior
 * So, as for storage queues (queue.ts), a failed record is THROWN, retryable or not: without the
 * SDK-type binding (`sdkBinding`, package @azure/functions-extensions-servicebus) the function
 * has no handle to dead-letter a message at once. The router already acknowledges what retrying
 * cannot fix (a poison event is kept under /dead-letters); what it throws deserves the retries,
 * and at the last delivery (maxReceives) it keeps that as a dead letter too.
 *
 * With `deferral` on a queue (the event router's trigger only), a failed record whose destination
 * asks for a wait is scheduled again as a copy for that wait and the original completed
 * (router-deferral-service-bus.ts). A copy's deferral properties are taken out of the record's
 * attributes, and its receiveCount counts every receive of the message, the original's and
 * earlier copies' included: the router's claim takeover (functions/event-router/claim.ts) counts
 * receives of the event, which a copy's own delivery count would restart. So maxReceives, the
 * delivery at which Service Bus would dead-letter the message in hand, counts on from the same
 * receives; and until MAX_DEFERRALS a failure asking for a wait of MIN_DEFERRED_WAIT_MS or more is
 * deferred even at that delivery (minDeferredWaitMs), so the router leaves it to the deferral. On a
 * topic subscription `deferral` is ignored: a copy sent to the topic would reach every subscription.
 */
export function azureServiceBus(handler: RecordHandler, getDeps: () => Promise<Deps>, opts: ServiceBusTriggerOptions = {}) {
  const deferral = opts.entity === 'queue' ? opts.deferral : undefined;
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const maxDeliveryCount = queueMaxReceives(SERVICE_BUS_MAX_DELIVERY_COUNT);
    const received = serviceBusRecord(message, ctx, maxDeliveryCount);
    // Only a trigger that defers reads its deferral properties; any other passes them on as attributes.
    const taken = deferral ? takeDeferralCounts(received.attributes) : undefined;
    const counts = taken?.counts;
    const record: InboundRecord = taken ? {
      ...received, attributes: taken.attributes,
      ...(counts ? { receiveCount: counts.receives + (received.receiveCount ?? 1), maxReceives: counts.receives + maxDeliveryCount } : {}),
      ...((counts?.deferrals ?? 0) < MAX_DEFERRALS ? { minDeferredWaitMs: MIN_DEFERRED_WAIT_MS } : {}),
    } : received;
    const deps = await getDeps();
    const [outcome] = await runBatch([record], handler, deps);
    if (outcome && !outcome.ok) {
      if (deferral && await deferServiceBusRecord(ctx.triggerMetadata ?? {}, record, counts?.deferrals ?? 0, outcome.error, deps, deferral)) return;
      throw outcome.error;
    }
  };
}

/** App settings of the Service Bus trigger; connection is a setting prefix (identity: `<name>__fullyQualifiedNamespace`). */
export const SERVICE_BUS_SETTINGS = {
  connection: SERVICE_BUS_CONNECTION,
  entity: 'SECORCH_SERVICE_BUS_ENTITY',
  subscription: 'SECORCH_SERVICE_BUS_SUBSCRIPTION',
} as const;

/**
 * Registers `name` on the Service Bus entity the app settings name, read once at host start:
 * nothing when SECORCH_SERVICE_BUS_ENTITY is unset (the host refuses to index a trigger whose
 * %setting% does not resolve); a topic subscription when SECORCH_SERVICE_BUS_SUBSCRIPTION is set,
 * else a queue. Names stay %...% so the host resolves them, as for the storage queue trigger.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-expressions-patterns#binding-expressions---app-settings
 */
export function registerServiceBusTrigger(
  name: string, handlerFor: (entity: ServiceBusEntity) => (message: unknown, ctx: InvocationContext) => Promise<void>,
  env: Record<string, string | undefined> = process.env,
): ServiceBusEntity | undefined {
  const s = SERVICE_BUS_SETTINGS;
  if (!env[s.entity]) return undefined;
  if (env[s.subscription]) {
    app.serviceBusTopic(name, { connection: s.connection, topicName: `%${s.entity}%`, subscriptionName: `%${s.subscription}%`, handler: handlerFor('topic') });
    return 'topic';
  }
  app.serviceBusQueue(name, { connection: s.connection, queueName: `%${s.entity}%`, handler: handlerFor('queue') });
  return 'queue';
}

/**
 * Where the router's queue trigger schedules its deferred copies: the queue it reads
 * (SECORCH_SERVICE_BUS_ENTITY), over the connection the host's binding uses, a connection string
 * in SECORCH_SERVICE_BUS or, with managed identity, the namespace in
 * SECORCH_SERVICE_BUS__fullyQualifiedNamespace (and a user-assigned identity's
 * SECORCH_SERVICE_BUS__clientId, else AZURE_CLIENT_ID: credential.ts). Scheduling is a send: the identity needs Data Sender on the
 * queue (which publishing to it already needs), a SAS policy Send as well as Listen; without it
 * each deferral fails, logged, and the record is thrown as before. A missing setting is an
 * invalid_config error, the same way.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 */
export function serviceBusDeferralFromSettings(env: Record<string, string | undefined> = process.env): ServiceBusDeferralQueue {
  const s = SERVICE_BUS_SETTINGS;
  const queue = env[s.entity];
  if (!queue) throw errors.config(`${s.entity} is not set`);
  const connectionString = env[s.connection];
  if (connectionString) return serviceBusQueueDeferral({ queue, connectionString });
  const namespace = env[`${s.connection}__fullyQualifiedNamespace`];
  if (!namespace) throw errors.config(`neither ${s.connection} nor ${s.connection}__fullyQualifiedNamespace is set`);
  return serviceBusQueueDeferral({ queue, namespace, clientId: configuredClientId(env, s.connection) });
}
