import { app } from '@azure/functions';
import { webhookIngress } from '../../../functions/webhook-ingress/handler';
import { azureDeps } from '../deps';
import { azureHttp } from '../http';

// host.json sets routePrefix "" so the path is the same as on every other cloud. GET and OPTIONS
// serve vendor handshakes (Okta, Event Grid); the handler refuses them for other schemes.
app.http('webhookIngress', { methods: ['POST', 'GET', 'OPTIONS'], route: 'webhooks/{source}', authLevel: 'anonymous', handler: azureHttp(webhookIngress, azureDeps) });
