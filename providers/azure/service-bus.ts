import { app, type InvocationContext } from '@azure/functions';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { runBatch } from '../../shared/batch/runner';
import type { Deps } from '../../shared/ports';
import { queueMessageBody } from './queue';

/**
 * Azure Service Bus trigger (Node programming model v4, cardinality `one`) -> portable
 * RecordHandler. https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger?pivots=programming-language-javascript
 *
 * The host hands over the body as the v4 library decodes it: a string, the parsed JSON when the
 * text looks like JSON (our structured CloudEvents do), or a Buffer; queueMessageBody turns any of
 * them back into text. `context.triggerMetadata` carries the broker's fields, first letter lowered by
 * the library at every level: messageId, deliveryCount, enqueuedTimeUtc, sequenceNumber,
 * contentType, applicationProperties (an object, whose keys get the same lowering: our
 * `cloudEvents_*` keys are unaffected).
 */
export function serviceBusRecord(message: unknown, ctx: InvocationContext): InboundRecord {
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
    ...(Number.isFinite(deliveryCount) && deliveryCount > 0 ? { receiveCount: deliveryCount } : {}),
  };
}

/**
 * Wraps a record handler as a Service Bus trigger handler. Settlement is the host's: with
 * `autoCompleteMessages` (host.json extensions.serviceBus, default true) it COMPLETES the message
 * when the function returns and ABANDONS it when the function throws; Service Bus then redelivers
 * it until its delivery count passes the entity's MaxDeliveryCount (default 10) and moves it to
 * the entity's dead-letter queue (reason MaxDeliveryCountExceeded).
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#peeklock-behavior
 * So, as for storage queues (queue.ts), a failed record is THROWN, retryable or not: without the
 * SDK-type binding (`sdkBinding`, package @azure/functions-extensions-servicebus) the function
 * has no handle to dead-letter a message at once. The router already acknowledges what retrying
 * cannot fix (a poison event is kept under /dead-letters); what it throws deserves the retries.
 */
export function azureServiceBus(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const record = serviceBusRecord(message, ctx);
    const [outcome] = await runBatch([record], handler, await getDeps());
    if (outcome && !outcome.ok) throw outcome.error;
  };
}

/** App settings of the Service Bus trigger; connection is a setting prefix (identity: `<name>__fullyQualifiedNamespace`). */
export const SERVICE_BUS_SETTINGS = {
  connection: 'SECORCH_SERVICE_BUS',
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
  name: string, handler: (message: unknown, ctx: InvocationContext) => Promise<void>, env: Record<string, string | undefined> = process.env,
): 'queue' | 'topic' | undefined {
  const s = SERVICE_BUS_SETTINGS;
  if (!env[s.entity]) return undefined;
  if (env[s.subscription]) {
    app.serviceBusTopic(name, { connection: s.connection, topicName: `%${s.entity}%`, subscriptionName: `%${s.subscription}%`, handler });
    return 'topic';
  }
  app.serviceBusQueue(name, { connection: s.connection, queueName: `%${s.entity}%`, handler });
  return 'queue';
}
