import { apiRoutes } from '../../../functions/api/routes';
import { httpRouter } from '../../../shared/http/router';
import { awsHttp } from '../http';
import { awsDeps as deps } from '../deps';

/** The REST API: POST /events, /subscriptions, /deliveries (API-key auth, tenants). */
export const handler = awsHttp(httpRouter(apiRoutes), deps);
