import { app } from '@azure/functions';
import { eventRouter } from '../../../functions/event-router/handler';
import { azureDeps } from '../deps';
import { azureQueue } from '../queue';

// The queue name comes from the app setting SECORCH_EVENTS_QUEUE (%...% is resolved by the host).
app.storageQueue('eventRouter', { queueName: '%SECORCH_EVENTS_QUEUE%', connection: 'AzureWebJobsStorage', handler: azureQueue(eventRouter, azureDeps) });
