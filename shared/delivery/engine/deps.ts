import type { Deps } from '../../ports';
import type { Sealer } from '../../ports/sealer';
import type { DeliveryClient } from '../../http/delivery-client';
import { DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from '../breaker';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../schedule';

/**
 * What the delivery engine needs beyond the common ports: the sealer that opens subscription
 * secrets, the outbound client (egress-guarded, keep-alive, no redirects, 15 s deadline) and a
 * random source for retry jitter. A provider's composition root adds them to its Deps.
 */
export interface DeliveryDeps extends Deps {
  sealer: Sealer;
  outbound: DeliveryClient;
  random?: () => number;
}

/** The delivery ports are optional in Deps (only some functions need them): this checks for them. */
export function deliveryDeps(deps: Deps): DeliveryDeps {
  if (!deps.sealer || !deps.outbound) throw new Error('delivery engine: the composition root must provide sealer and outbound');
  return deps as DeliveryDeps;
}

export interface DeliverySettings {
  retry: RetryPolicy;
  breaker: BreakerOptions;
  /** How long a worker owns an attempt; longer than the request deadline. */
  leaseMs: number;
  /** The request deadline (deliveries.timeoutSeconds). */
  timeoutMs: number;
  /** How long events and delivery records are kept. */
  retentionSeconds: number;
  /**
   * How long an attempt's response is kept (attempt-log.ts): the retention and the retry
   * schedule's span with its jitter, so the responses of a delivery's first attempts are kept as
   * long as the record that its last attempt wrote.
   */
  responseTtlSeconds: number;
}

const DAY = 24 * 3600;

/** The engine's settings: config `deliveries` over the defaults. */
export function deliverySettings(deps: Deps): DeliverySettings {
  const c = deps.config.deliveries;
  const timeoutMs = (c?.timeoutSeconds ?? 15) * 1000;
  const retry = c?.retry ? { ...DEFAULT_RETRY_POLICY, ...c.retry } : DEFAULT_RETRY_POLICY;
  const retentionSeconds = (c?.retentionDays ?? 30) * DAY;
  const spanMs = retry.schedule.reduce((a, b) => a + b, 0) * (1 + retry.jitter);
  return {
    retry,
    // A half-open probe is presumed lost only once its request could no longer be running: with
    // a deadline past 30 s (timeoutSeconds goes to 120) the fixed 60 s let a second probe join it.
    breaker: { ...DEFAULT_BREAKER_OPTIONS, ...(c?.breaker ?? {}), staleProbeMs: Math.max(DEFAULT_BREAKER_OPTIONS.staleProbeMs, 2 * timeoutMs) },
    leaseMs: c?.leaseSeconds !== undefined ? c.leaseSeconds * 1000 : timeoutMs + 15_000,
    timeoutMs,
    retentionSeconds,
    responseTtlSeconds: retentionSeconds + Math.ceil(spanMs / 1000),
  };
}
