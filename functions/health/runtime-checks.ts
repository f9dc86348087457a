import type { Deps } from '../../shared/ports';

export interface CheckResult {
  name: string;
  status: 'ok' | 'failed';
  ms: number;
  reason?: string;
}

/**
 * The runtime's checks, run at every request: they read local state only (no vendor is called,
 * so the reuse window of the dependency checks is not needed), and a worker that comes back is
 * seen at once. A port that fails or does not answer in time is one failed check, `runtime`,
 * its error logged as the dependency checks' are.
 */
export async function runtimeChecks(deps: Deps, timeoutMs: number): Promise<CheckResult[]> {
  if (!deps.readiness) return [];
  const started = deps.clock.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const results = await Promise.race([
      deps.readiness.checks(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
    ]);
    const ms = deps.clock.now() - started;
    return results.map((r) => (r.ok ? { name: r.name, status: 'ok' as const, ms } : { name: r.name, status: 'failed' as const, ms, reason: r.reason }));
  } catch (e) {
    deps.logger.warn('readiness check failed', { check: 'runtime', error: e });
    return [{ name: 'runtime', status: 'failed', ms: deps.clock.now() - started }];
  } finally {
    clearTimeout(timer);
  }
}
