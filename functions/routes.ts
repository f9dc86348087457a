import type { HttpRoute } from '../shared/http/router';
import { apiRoutes } from './api/routes';
import { healthRoutes } from './health/routes';
import { webhookIngress } from './webhook-ingress/handler';

/**
 * The HTTP API: every route and its handler. The GCP HTTP function routes through this table;
 * AWS (API Gateway) and Azure (app.http routes) declare the same paths per function.
 */
export const httpRoutes: HttpRoute[] = [
  ...['POST', 'GET', 'OPTIONS'].map((method) => ({ method, path: '/webhooks/{source}', handler: webhookIngress })),
  ...apiRoutes,
  ...healthRoutes,
];
