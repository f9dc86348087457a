import * as functions from '@google-cloud/functions-framework';
import { httpRoutes } from '../../../functions/routes';
import { httpRouter } from '../../../shared/http/router';
import { gcpDeps } from '../deps';
import { gcpHttp } from '../http';

// One HTTP function serves every path; routing happens inside (functions/routes.ts).
functions.http('api', gcpHttp(httpRouter(httpRoutes), gcpDeps));
