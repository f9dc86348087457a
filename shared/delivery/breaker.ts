/**
 * Per-subscription circuit breaker, as a pure state machine over a serialisable state: the engine
 * keeps the state in the state store and writes it back with a conditional put (version), so of
 * two instances racing for the half-open probe only one wins. A dead endpoint then costs one
 * probe per open period instead of every pending delivery's attempts.
 *
 *   closed --failureThreshold consecutive failures--> open --probeAt reached--> half-open (one probe)
 *   half-open --success--> closed;  half-open --failure--> open again, for twice as long (capped)
 *
 * Independently, failures continuous for disableAfterMs signal `subscription.disabled` once
 * (Standard Webhooks: "recommended to disable future delivery to the endpoint").
 */
export type BreakerStatus = 'closed' | 'open' | 'half-open';

export interface BreakerState {
  state: BreakerStatus;
  consecutiveFailures: number;
  /** Epoch ms the breaker last opened. */
  openedAt?: number;
  /** Epoch ms of the first failure of the current unbroken run of failures. */
  failingSince?: number;
  /** Epoch ms from which one probe may go (state open). */
  probeAt?: number;
  /** Epoch ms the probe in flight started (state half-open). */
  probeStartedAt?: number;
  /**
   * Epoch ms the last failed probe started (kept until the breaker closes): the deliveries held
   * back while it was in flight wait until its staleProbeMs are up (heldUntil).
   */
  lastProbeStartedAt?: number;
  /** Times opened since the last close: each doubles the open period. */
  opens?: number;
  /** Epoch ms `subscription.disabled` was signalled for this run of failures (signalled once). */
  disabledAt?: number;
}

export interface BreakerOptions {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** First open period; doubled on each failed probe ... */
  openForMs: number;
  /** ... up to this. */
  maxOpenForMs: number;
  /** Continuous failure for this long disables the subscription. */
  disableAfterMs: number;
  /** A probe older than this is presumed lost (crashed worker) and may be replaced: 2 x a 30 s request timeout. */
  staleProbeMs: number;
}

const DAY = 24 * 60 * 60 * 1000;
export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  failureThreshold: 5,
  openForMs: 60_000,
  maxOpenForMs: 60 * 60_000,
  disableAfterMs: 5 * DAY,
  staleProbeMs: 60_000,
});

export const INITIAL_BREAKER_STATE: Readonly<BreakerState> = Object.freeze({ state: 'closed', consecutiveFailures: 0 });

export type BeforeAttempt = { allow: true; state: BreakerState } | { allow: false; retryAt: number };
export type BreakerEvent = 'subscription.disabled' | 'breaker.opened' | 'breaker.closed';
/** Every operational event of delivery; `delivery.failing` comes from failingAfter, not the breaker. */
export type DeliveryEvent = BreakerEvent | 'delivery.failing';

const options = (o: Partial<BreakerOptions>): BreakerOptions => ({ ...DEFAULT_BREAKER_OPTIONS, ...o });

/** The n-th consecutive open period: openForMs, 2x, 4x ... capped. */
export const openPeriod = (opens: number, o: Partial<BreakerOptions> = {}): number => {
  const { openForMs, maxOpenForMs } = options(o);
  return Math.min(maxOpenForMs, openForMs * 2 ** Math.max(0, Math.min(opens - 1, 40)));
};

/** May an attempt go now? The state returned on `allow` must be stored before the attempt is made. */
export function beforeAttempt(state: BreakerState, now: number, opts: Partial<BreakerOptions> = {}): BeforeAttempt {
  // Options are merged only where they are read: a closed breaker, asked twice per attempt, needs none.
  switch (state.state) {
    case 'closed':
      return { allow: true, state };
    case 'open': {
      const probeAt = state.probeAt ?? now;
      if (now < probeAt) return { allow: false, retryAt: probeAt };
      return { allow: true, state: { ...state, state: 'half-open', probeStartedAt: now } };
    }
    case 'half-open': {
      const started = state.probeStartedAt;
      const { staleProbeMs } = options(opts);
      // One probe at a time; a probe nobody reported back on within staleProbeMs is replaced.
      if (started !== undefined && now < started + staleProbeMs) return { allow: false, retryAt: started + staleProbeMs };
      return { allow: true, state: { ...state, probeStartedAt: now } };
    }
  }
}

/**
 * The future times at which this breaker's held-back deliveries wait (beforeAttempt's `retryAt`
 * for each, their next attempt and due time): the probe time while open, the end of the probe's
 * grace while half-open, and the end of a failed probe's grace, which can still be ahead after it
 * reopened. A subscription whose breaker is reset (a new URL, re-enabled) finds them there.
 */
export function heldUntil(state: BreakerState, now: number, opts: Partial<BreakerOptions> = {}): number[] {
  const { staleProbeMs } = options(opts);
  const times = [
    state.state === 'open' ? state.probeAt : undefined,
    state.state === 'half-open' && state.probeStartedAt !== undefined ? state.probeStartedAt + staleProbeMs : undefined,
    state.lastProbeStartedAt !== undefined ? state.lastProbeStartedAt + staleProbeMs : undefined,
  ];
  return [...new Set(times.filter((t): t is number => t !== undefined && t > now))];
}

/** Records an attempt's result (success = 2xx; 410 is handled by disabling, not here). */
export function afterAttempt(
  state: BreakerState, now: number, success: boolean, opts: Partial<BreakerOptions> = {},
): { state: BreakerState; events: BreakerEvent[] } {
  const o = options(opts);
  if (success) {
    // Any success, even a straggler that started before the breaker opened, proves the endpoint works.
    return { state: { state: 'closed', consecutiveFailures: 0 }, events: state.state === 'closed' ? [] : ['breaker.closed'] };
  }
  const events: BreakerEvent[] = [];
  const failures = state.consecutiveFailures + 1;
  const failingSince = state.failingSince ?? now;
  let next: BreakerState = { ...state, consecutiveFailures: failures, failingSince };
  const reopen = state.state === 'half-open';
  if (reopen || (state.state === 'closed' && failures >= o.failureThreshold)) {
    const opens = reopen ? (state.opens ?? 0) + 1 : 1;
    const { probeStartedAt: started, ...rest } = next;
    next = { ...rest, state: 'open', openedAt: now, opens, probeAt: now + openPeriod(opens, o) };
    if (reopen && started !== undefined) next.lastProbeStartedAt = started;
    events.push('breaker.opened');
  }
  // A failure while open is a straggler (started before the breaker opened): counted, no new period.
  // Requiring the threshold too: two lone failures days apart are not "continuous failure".
  if (state.disabledAt === undefined && failures >= o.failureThreshold && now - failingSince >= o.disableAfterMs) {
    next = { ...next, disabledAt: now };
    events.push('subscription.disabled');
  }
  return { state: next, events };
}

/** `delivery.failing` belongs to one delivery: signalled once, right after its 4th failed attempt. */
export const FAILING_AFTER_ATTEMPTS = 4;
export const failingAfter = (attempts: number): boolean => attempts === FAILING_AFTER_ATTEMPTS;
