import { healthRoutes } from '../../../functions/health/routes';
import { httpRouter } from '../../../shared/http/router';
import { awsDeps } from '../deps';
import { awsHttp } from '../http';

export const handler = awsHttp(httpRouter(healthRoutes), awsDeps);
