import { app } from '@azure/functions';
import { webhookIngress } from '../../../functions/webhook-ingress/handler';
import { azureDeps } from '../deps';
import { azureHttp } from '../http';

// host.json sets routePrefix "" so the path is the same as on every other cloud.
app.http('webhookIngress', { methods: ['POST'], route: 'webhooks/{source}', authLevel: 'anonymous', handler: azureHttp(webhookIngress, azureDeps) });
