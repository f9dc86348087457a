import type { HttpHandler } from '../../shared/contracts';
import { json } from '../../shared/http/body';
import { destinationChecks } from '../../shared/destinations/checks';
import type { Deps } from '../../shared/ports';
import { runtimeChecks } from './runtime-checks';

/** The liveness path (routes.ts), the same on every cloud. */
export const LIVENESS_PATH = '/health';

const alive = (): Response => json({ status: 'ok' });

/** GET /health: liveness. Answers without touching any dependency. */
export const health: HttpHandler = async () => alive();

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

const CHECK_TIMEOUT_MS = 3000;

async function probe(name: string, check: () => Promise<void>, deps: Deps) {
  const started = deps.clock.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS))),
    ]);
    return { name, status: 'ok' as const, ms: deps.clock.now() - started };
  } catch (e) {
    deps.logger.warn('readiness check failed', { check: name, error: e });
    // The reason stays in the log: a dependency's error text can carry endpoints or account names.
    return { name, status: 'failed' as const, ms: deps.clock.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

type Check = Awaited<ReturnType<typeof probe>>;

/**
 * How long an instance answers readiness with its last checks. The endpoint takes no credentials
 * and each run makes one authenticated call per connector: without this, anyone able to reach it
 * sets the pace of calls against the vendors' rate limits (which Jira and Okta count per account
 * or per org, so the connector's real actions would be throttled too). Load balancer probes every
 * few seconds still see a change within this window.
 */
export const READY_REUSE_MS = 5000;

/** The last run per instance (deps are built once per cold start); a run still going is shared. */
const lastRun = new WeakMap<Deps, { startedAt: number; checks: Promise<Check[]> }>();

function runChecks(deps: Deps): Promise<Check[]> {
  const now = deps.clock.now();
  const last = lastRun.get(deps);
  if (last && now >= last.startedAt && now - last.startedAt < READY_REUSE_MS) return last.checks;
  const checks = Promise.all([
    probe('store', () => deps.store.check(), deps),
    probe('bus', () => deps.bus.check(), deps),
    ...destinationChecks(deps.config, deps).map((c) => probe(c.name, c.check, deps)),
  ]);
  lastRun.set(deps, { startedAt: now, checks });
  return checks;
}

/**
 * GET /health/ready: each dependency checked (state store, event bus, connectors, archive
 * buckets), then what the runtime adds (runtime-checks.ts: locally its workers); 503 if any fails.
 */
export const ready: HttpHandler = async (_req, deps) => {
  const [shared, runtime] = await Promise.all([runChecks(deps), runtimeChecks(deps, CHECK_TIMEOUT_MS)]);
  const checks = [...shared, ...runtime];
  const ok = checks.every((c) => c.status === 'ok');
  return json({ status: ok ? 'ok' : 'unavailable', checks }, ok ? 200 : 503);
};
