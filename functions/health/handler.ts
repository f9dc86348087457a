import type { HttpHandler } from '../../shared/contracts';
import { json } from '../../shared/http/body';
import { destinationChecks } from '../../shared/destinations/checks';
import type { Deps } from '../../shared/ports';
import { runtimeChecks } from './runtime-checks';
import { alive } from './without-deps';

export { LIVENESS_PATH, livenessWithoutDeps, READINESS_PATH, readinessWithoutDeps } from './without-deps';

/** GET /health: liveness. Answers without touching any dependency. */
export const health: HttpHandler = async () => alive();

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
