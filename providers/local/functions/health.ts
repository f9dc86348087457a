import { healthRoutes } from '../../../functions/health/routes';
import { httpRouter } from '../../../shared/http/router';
import { awsHttp } from '../../aws/http';
import { localDeps } from '../deps';

export const handler = awsHttp(httpRouter(healthRoutes), localDeps);
