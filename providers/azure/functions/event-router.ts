import { app } from '@azure/functions';
import { eventRouter } from '../../../functions/event-router/handler';
import { azureDeps, claimStore } from '../deps';
import { azureQueue } from '../queue';
import { azureServiceBus, registerServiceBusTrigger } from '../service-bus';

// The queue name comes from the app setting SECORCH_EVENTS_QUEUE (%...% is resolved by the host).
// Claim-check blobs are read from the claim container of the host's account, where the publisher wrote them.
app.storageQueue('eventRouter', { queueName: '%SECORCH_EVENTS_QUEUE%', connection: 'AzureWebJobsStorage', handler: azureQueue(eventRouter, azureDeps, claimStore) });

// With `bus.type: service-bus`: also triggered by the Service Bus queue or topic subscription the
// app settings name (SECORCH_SERVICE_BUS_ENTITY, optional SECORCH_SERVICE_BUS_SUBSCRIPTION,
// connection SECORCH_SERVICE_BUS); not registered when they are unset.
registerServiceBusTrigger('eventRouterServiceBus', azureServiceBus(eventRouter, azureDeps));
