import { isAppError } from '../errors';
import { DEFAULT_BREAKER, createBreaker } from './breaker';
import { DEFAULT_RETRY } from './retry/policy';
import { scrubber } from './scrub';
import { type Runtime, send } from './send';
import { realSleep } from './sleep';
import type { CheckResult, Transport, TransportOptions } from './types';
import { parseBaseUrl } from './url';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * The one transport of a vendor system: every operation of a connector goes through it, so auth,
 * retries, rate limits, the circuit breaker, timeouts, error mapping and secret scrubbing are
 * written once (as in n8n's TheHiveProject `transport/`, one file per operation beside it).
 * Requests go through deps.http, the egress-guarded client. Build it once per cold start: it holds
 * the token cache and the breaker (in memory, per function instance).
 */
export function createTransport(o: TransportOptions): Transport {
  const base = parseBaseUrl(o.name, o.baseUrl);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutSignal = o.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const logger = o.logger?.child({ connector: o.name });
  const rt: Runtime = {
    name: o.name,
    base,
    auth: o.auth,
    authContext: { connector: o.name, http: o.http, clock: o.clock, timeoutSignal: () => timeoutSignal(timeoutMs) },
    http: o.http,
    clock: o.clock,
    sleep: o.sleep ?? realSleep,
    random: o.random ?? Math.random,
    timeoutMs,
    timeoutSignal,
    retry: { ...DEFAULT_RETRY, ...o.retry },
    breaker: createBreaker(o.clock, { ...DEFAULT_BREAKER, ...o.breaker }, (state) => logger?.warn('connector breaker', { state })),
    maxResponseBytes: o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    scrub: scrubber(() => o.auth.secrets()),
    headers: o.headers ?? {},
    logger,
  };
  const probe = o.check ?? { path: '/' };

  return {
    name: o.name,
    baseUrl: base,
    request: (req) => send(rt, req),
    /**
     * For GET /health/ready: one attempt, no waiting; any answer but 2xx is a failure. The
     * message is the typed error's (scrubbed, naming the fix); the readiness handler logs it.
     */
    async check(): Promise<CheckResult> {
      const started = o.clock.now();
      try {
        await send(rt, { method: probe.method ?? 'GET', path: probe.path, query: probe.query, expect: 'none', budgetMs: 0 }, 1);
        return { ok: true, latencyMs: o.clock.now() - started };
      } catch (e) {
        const error = isAppError(e) ? { code: e.code, message: rt.scrub(e.message) } : { code: 'internal_error', message: `${o.name}: check failed` };
        return { ok: false, latencyMs: o.clock.now() - started, error };
      }
    },
  };
}
