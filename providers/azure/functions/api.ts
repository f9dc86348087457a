import { app } from '@azure/functions';
import { apiRoutes } from '../../../functions/api/routes';
import { httpRouter } from '../../../shared/http/router';
import { azureDeps } from '../deps';
import { azureHttp } from '../http';

/** The REST API (`routePrefix: ""`, so the paths are the same as on every cloud). */
const handler = azureHttp(httpRouter(apiRoutes), azureDeps);
app.http('events', { methods: ['POST'], route: 'events', authLevel: 'anonymous', handler });
app.http('subscriptions', { methods: ['GET', 'POST'], route: 'subscriptions', authLevel: 'anonymous', handler });
app.http('subscription', { methods: ['GET', 'PATCH', 'DELETE'], route: 'subscriptions/{id}', authLevel: 'anonymous', handler });
app.http('subscriptionAction', { methods: ['POST'], route: 'subscriptions/{id}/{action}', authLevel: 'anonymous', handler });
app.http('deliveries', { methods: ['GET'], route: 'deliveries', authLevel: 'anonymous', handler });
app.http('delivery', { methods: ['GET'], route: 'deliveries/{id}', authLevel: 'anonymous', handler });
app.http('deliveryRetry', { methods: ['POST'], route: 'deliveries/{id}/retry', authLevel: 'anonymous', handler });
app.http('deadLetters', { methods: ['GET'], route: 'dead-letters', authLevel: 'anonymous', handler });
app.http('deadLetter', { methods: ['GET', 'DELETE'], route: 'dead-letters/{id}', authLevel: 'anonymous', handler });
app.http('deadLetterReplay', { methods: ['POST'], route: 'dead-letters/{id}/replay', authLevel: 'anonymous', handler });
