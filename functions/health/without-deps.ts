import { json } from '../../shared/http/body';

/*
 * The health answers the cloud adapters give before deps exist, apart from the readiness checks
 * (handler.ts): every HTTP function's adapter imports these, and the checks would bring every
 * connector's transport into each bundle.
 */

/** The liveness path (routes.ts), the same on every cloud. */
export const LIVENESS_PATH = '/health';

export const alive = (): Response => json({ status: 'ok' });

/**
 * Liveness for the cloud adapters to answer before they build deps. Deps come from the
 * configuration, the secret manager and the clients, built on the first request that needs them:
 * a secret manager that is slow or down would otherwise hold the platform's liveness probe for
 * as long as it takes, or fail it, and the instance would be recycled for a dependency's fault
 * (GET /health/ready is the one that reports dependencies). Matches what the router matches for
 * the route: GET or HEAD, with or without a trailing slash.
 */
export function livenessWithoutDeps(method: string, pathname: string): Response | undefined {
  return isHealthPath(method, pathname, LIVENESS_PATH) ? alive() : undefined;
}

/** The readiness path (routes.ts). */
export const READINESS_PATH = '/health/ready';

const isHealthPath = (method: string, pathname: string, path: string): boolean => {
  const m = method.toUpperCase();
  return (m === 'GET' || m === 'HEAD') && (pathname === path || pathname === `${path}/`);
};

/**
 * Readiness when the instance could not build its deps at all (a configuration or secret it
 * cannot read, a damaged local database): `503 unavailable` as for a failed check, which is what
 * load balancers and orchestrators act on, rather than the generic 500 every other route answers
 * then. The reason stays in the log, as for the checks. Undefined for any other request.
 */
export function readinessWithoutDeps(method: string, pathname: string): Response | undefined {
  if (!isHealthPath(method, pathname, READINESS_PATH)) return undefined;
  return json({ status: 'unavailable', checks: [{ name: 'startup', status: 'failed', ms: 0 }] }, 503);
}
