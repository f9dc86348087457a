import { apiRoutes } from '../../../functions/api/routes';
import { httpRouter } from '../../../shared/http/router';
import { awsHttp } from '../../aws/http';
import { localDeps as deps } from '../deps';

/** The REST API: POST /events, /subscriptions, /deliveries (API-key auth, tenants). */
export const handler = awsHttp(httpRouter(apiRoutes), deps);
