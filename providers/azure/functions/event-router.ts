import { app } from '@azure/functions';
import { eventRouter } from '../../../functions/event-router/handler';
import { azureDeps, claimStore, hostQueue } from '../deps';
import { azureQueue } from '../queue';
import { type RouterDeferral, storageQueueDeferral } from '../router-deferral';
import type { ServiceBusDeferralQueue } from '../router-deferral-service-bus';
import { azureServiceBus, registerServiceBusTrigger, serviceBusDeferralFromSettings } from '../service-bus';

/**
 * A record whose destination asks for a longer wait than the host's retry pace goes back, delayed,
 * to the queue this trigger reads (router-deferral.ts): the same queue and connection as the
 * binding below, built on the first deferral (a missing setting then fails that deferral only,
 * and the record comes back at the host's pace).
 */
let deferral: RouterDeferral | undefined;
const eventsQueueDeferral = (): RouterDeferral => (deferral ??= {
  queue: storageQueueDeferral(hostQueue(process.env.SECORCH_EVENTS_QUEUE || 'secorch-events')),
});

// The queue name comes from the app setting SECORCH_EVENTS_QUEUE (%...% is resolved by the host).
// Claim-check blobs are read from the claim container of the host's account, where the publisher wrote them.
app.storageQueue('eventRouter', {
  queueName: '%SECORCH_EVENTS_QUEUE%',
  connection: 'AzureWebJobsStorage',
  handler: azureQueue(eventRouter, azureDeps, claimStore, eventsQueueDeferral),
});

// With `bus.type: service-bus`: also triggered by the Service Bus queue or topic subscription the
// app settings name (SECORCH_SERVICE_BUS_ENTITY, optional SECORCH_SERVICE_BUS_SUBSCRIPTION,
// connection SECORCH_SERVICE_BUS); not registered when they are unset. On a queue, a record whose
// destination asks for a wait is scheduled again on that queue (router-deferral-service-bus.ts),
// over a sender built on the first deferral from the same settings; on a topic subscription it is
// not (a copy would reach every subscription) and fails at Service Bus's pace.
let serviceBusDeferral: ServiceBusDeferralQueue | undefined;
registerServiceBusTrigger('eventRouterServiceBus', (entity) => azureServiceBus(eventRouter, azureDeps, {
  entity,
  deferral: () => (serviceBusDeferral ??= serviceBusDeferralFromSettings()),
}));
