import type { HttpRoute } from '../../shared/http/router';
import { health, LIVENESS_PATH, READINESS_PATH, ready } from './handler';
import { openapi } from './openapi';

/** The health capability's routes: one function serves all three. */
export const healthRoutes: HttpRoute[] = [
  { method: 'GET', path: LIVENESS_PATH, handler: health },
  { method: 'GET', path: READINESS_PATH, handler: ready },
  { method: 'GET', path: '/openapi.json', handler: openapi },
];
