import type { Clock } from '../ports/clock';

/**
 * Circuit breaker per connector instance, in memory: a dead vendor then costs one probe per
 * cool-down instead of every call's attempts and timeouts. The state lives in the transport, so
 * each function instance (and each serverless-offline worker) keeps its own and a recycled one
 * starts closed; that is fine for a breaker, which only saves work. Durable per-destination state
 * with conditional writes is what webhook deliveries use (shared/delivery/breaker.ts).
 *
 *   closed --threshold consecutive failures--> open --coolDownMs--> half-open (one probe at a time)
 *   half-open --success--> closed;  half-open --failure--> open again
 *
 * Only failures of the vendor count (5xx, timeouts, network errors); a 4xx is an answer.
 */
export interface BreakerOptions {
  /** Consecutive failed attempts that open a closed breaker. */
  failureThreshold: number;
  coolDownMs: number;
}

export const DEFAULT_BREAKER: Readonly<BreakerOptions> = Object.freeze({ failureThreshold: 5, coolDownMs: 30_000 });

export type BreakerState = 'closed' | 'open' | 'half-open';
export type Admission = { ok: true; probe: boolean } | { ok: false; retryAfterMs: number };

export interface Breaker {
  readonly state: BreakerState;
  /** May an attempt go now? A probe admitted must be settled by success, failure or release. */
  admit(): Admission;
  /** Any success closes: even a straggler admitted before the breaker opened proves the vendor answers. */
  success(): void;
  /** A probe's failure reopens; a straggler's (admitted while closed) only counts. */
  failure(probe: boolean): void;
  /** The attempt ended without telling anything about the vendor (the caller aborted). */
  release(probe: boolean): void;
}

export function createBreaker(clock: Clock, options: Partial<BreakerOptions> = {}, onChange?: (s: BreakerState) => void): Breaker {
  const o = { ...DEFAULT_BREAKER, ...options };
  let state: BreakerState = 'closed';
  let failures = 0;
  let probeAt = 0;
  let probing = false;
  const set = (next: BreakerState) => {
    if (next !== state) onChange?.(next);
    state = next;
  };

  return {
    get state() {
      return state;
    },
    admit() {
      if (state === 'closed') return { ok: true, probe: false };
      const now = clock.now();
      if (state === 'open' && now < probeAt) return { ok: false, retryAfterMs: probeAt - now };
      // A probe in flight ends within the transport's timeout, so it cannot hold the gate for ever.
      if (probing) return { ok: false, retryAfterMs: o.coolDownMs };
      probing = true;
      set('half-open');
      return { ok: true, probe: true };
    },
    success() {
      failures = 0;
      probing = false;
      set('closed');
    },
    failure(probe) {
      failures++;
      if (probe || (state === 'closed' && failures >= o.failureThreshold)) {
        probing = false;
        probeAt = clock.now() + o.coolDownMs;
        set('open');
      }
    },
    release(probe) {
      if (!probe) return;
      probing = false;
      set('open');
      probeAt = clock.now();
    },
  };
}
