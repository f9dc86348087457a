import { app } from '@azure/functions';
import { healthRoutes } from '../../../functions/health/routes';
import { httpRouter } from '../../../shared/http/router';
import { azureDeps } from '../deps';
import { azureHttp } from '../http';

const handler = azureHttp(httpRouter(healthRoutes), azureDeps);
app.http('health', { methods: ['GET'], route: 'health', authLevel: 'anonymous', handler });
app.http('ready', { methods: ['GET'], route: 'health/ready', authLevel: 'anonymous', handler });
app.http('openapi', { methods: ['GET'], route: 'openapi.json', authLevel: 'anonymous', handler });
