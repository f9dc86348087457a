import type { HttpHandler } from '../../shared/contracts';
import { json } from '../../shared/http/body';
import { destinationChecks } from '../../shared/destinations/checks';
import type { Deps } from '../../shared/ports';

/** GET /health: liveness. Answers without touching any dependency. */
export const health: HttpHandler = async () => json({ status: 'ok' });

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

/** GET /health/ready: each dependency checked (state store, event bus, connectors, archive buckets); 503 if any fails. */
export const ready: HttpHandler = async (_req, deps) => {
  const checks = await Promise.all([
    probe('store', () => deps.store.check(), deps),
    probe('bus', () => deps.bus.check(), deps),
    ...destinationChecks(deps.config, deps).map((c) => probe(c.name, c.check, deps)),
  ]);
  const ok = checks.every((c) => c.status === 'ok');
  return json({ status: ok ? 'ok' : 'unavailable', checks }, ok ? 200 : 503);
};
