/**
 * Per-subscription circuit breaker, as a pure state machine over a serialisable state: the engine
 * keeps the state in the state store and writes it back with a conditional put (version), so of
 * two instances racing for the half-open probe only one wins. A dead endpoint then costs one
 * probe per open period instead of every pending delivery's attempts.
 *
 *   closed --failureThreshold consecutive failures--> open --probeAt reached--> half-open (one probe)
 *   half-open --the probe's success--> closed;  half-open --the probe's failure--> open again, for twice as long (capped)
 *
 * Every change of state (and a probe replaced) starts a new generation, and an attempt's outcome
 * counts for the generation it was admitted in, as in sony/gobreaker. A request may run for up to
 * its 120 s deadline, so an attempt that went before the breaker last changed state can end while
 * the probe is in flight: such a late outcome never moves the breaker. Only the probe's own
 * outcome ends half-open; a late failure while open or half-open neither reopens it nor doubles
 * or extends the open period (it still counts towards disabling, see below); a late success does
 * not close it. Once the breaker has closed again, the success that closed it is newer news than
 * a late outcome of either kind, which then changes nothing at all.
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
  /** Counts the changes of state (and probes replaced); absent is 0, the first closed breaker. */
  generation?: number;
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

/** On `allow`, the attempt is admitted in `generationOf(state)`: afterAttempt takes its outcome for that. */
export type BeforeAttempt = { allow: true; state: BreakerState } | { allow: false; retryAt: number };
export type BreakerEvent = 'subscription.disabled' | 'breaker.opened' | 'breaker.closed';
/** Every operational event of delivery; `delivery.failing` comes from failingAfter, not the breaker. */
export type DeliveryEvent = BreakerEvent | 'delivery.failing';

const options = (o: Partial<BreakerOptions>): BreakerOptions => ({ ...DEFAULT_BREAKER_OPTIONS, ...o });

/** The generation an attempt admitted on this state belongs to (see the top of this file). */
export const generationOf = (state: BreakerState): number => state.generation ?? 0;

/** Absent for generation 0, so a breaker that never changed state stays the initial one. */
const withGeneration = (state: BreakerState, generation: number): BreakerState => (generation === 0 ? state : { ...state, generation });

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
      return { allow: true, state: { ...state, state: 'half-open', probeStartedAt: now, generation: generationOf(state) + 1 } };
    }
    case 'half-open': {
      const started = state.probeStartedAt;
      const { staleProbeMs } = options(opts);
      // One probe at a time; a probe nobody reported back on within staleProbeMs is replaced.
      if (started !== undefined && now < started + staleProbeMs) return { allow: false, retryAt: started + staleProbeMs };
      // A new generation: the replaced probe's outcome, should it still come, no longer decides.
      return { allow: true, state: { ...state, probeStartedAt: now, generation: generationOf(state) + 1 } };
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

/**
 * Records an attempt's result (success = 2xx; 410 is handled by disabling, not here). `admitted`
 * is the generation the attempt was admitted in (generationOf the state beforeAttempt let it go
 * on); omitted, it is this state's own, as for an attempt just admitted on it.
 */
export function afterAttempt(
  state: BreakerState, now: number, success: boolean, opts: Partial<BreakerOptions> = {}, admitted = generationOf(state),
): { state: BreakerState; events: BreakerEvent[] } {
  const o = options(opts);
  const generation = generationOf(state);
  // An open breaker admits nobody: every outcome it hears is from an attempt that went before it opened.
  if (state.state === 'open' || admitted !== generation) return late(state, now, success, o);
  if (success) {
    if (state.state === 'closed') return { state: withGeneration({ state: 'closed', consecutiveFailures: 0 }, generation), events: [] };
    return { state: { state: 'closed', consecutiveFailures: 0, generation: generation + 1 }, events: ['breaker.closed'] };
  }
  const next = failed(state, now);
  if (state.state === 'closed' && next.consecutiveFailures < o.failureThreshold) return disableIfDue(state, next, now, o, []);
  // The probe failed, or the threshold is reached.
  const reopen = state.state === 'half-open';
  const opens = reopen ? (state.opens ?? 0) + 1 : 1;
  const { probeStartedAt: started, ...rest } = next;
  const opened: BreakerState = { ...rest, state: 'open', openedAt: now, opens, probeAt: now + openPeriod(opens, o), generation: generation + 1 };
  if (reopen && started !== undefined) opened.lastProbeStartedAt = started;
  return disableIfDue(state, opened, now, o, ['breaker.opened']);
}

/**
 * The outcome of an attempt admitted in another generation (earlier; or later, when the breaker
 * was reset by deleting it). While the breaker is open or half-open a failure is still a failure
 * of the endpoint, counted towards disabling; it changes nothing else. Once the breaker has
 * closed again it is older than the success that closed it, and a success is never the probe:
 * neither changes anything.
 */
function late(state: BreakerState, now: number, success: boolean, o: BreakerOptions): { state: BreakerState; events: BreakerEvent[] } {
  if (success || state.state === 'closed') return { state, events: [] };
  return disableIfDue(state, failed(state, now), now, o, []);
}

/**
 * A success at `at` (epoch ms), admitted in `generation`, that reaches the stored breaker after
 * other outcomes were recorded: the engine records a success on the state it kept without a read
 * and confirms it on a later one (engine/breaker-store.ts). In the closed state of its own
 * generation it ends a run of failures that began before it, as afterAttempt would have had it
 * been recorded at once; a run that began after it stands. Failures recorded between the success
 * and its confirmation (about a second at most) fall in the run it ends. Another generation does
 * not hear it, as any late outcome (a success is never the probe). Answers `state` itself when
 * nothing changes.
 */
export function afterSuccessAt(state: BreakerState, generation: number, at: number): BreakerState {
  if (state.state !== 'closed' || state.consecutiveFailures === 0 || generationOf(state) !== generation) return state;
  if (state.failingSince !== undefined && state.failingSince > at) return state;
  return withGeneration({ state: 'closed', consecutiveFailures: 0 }, generation);
}

const failed = (state: BreakerState, now: number): BreakerState =>
  ({ ...state, consecutiveFailures: state.consecutiveFailures + 1, failingSince: state.failingSince ?? now });

function disableIfDue(
  before: BreakerState, next: BreakerState, now: number, o: BreakerOptions, events: BreakerEvent[],
): { state: BreakerState; events: BreakerEvent[] } {
  // Requiring the threshold too: two lone failures days apart are not "continuous failure".
  const since = next.failingSince ?? now;
  if (before.disabledAt !== undefined || next.consecutiveFailures < o.failureThreshold || now - since < o.disableAfterMs) return { state: next, events };
  return { state: { ...next, disabledAt: now }, events: [...events, 'subscription.disabled'] };
}

/**
 * `delivery.failing` belongs to one delivery's run of failed attempts: signalled right after the
 * 4th failed attempt in a row, counted since the delivery began or since its last success (a
 * delivered event sent again by POST /deliveries/{id}/retry starts a new run), so once per run.
 * A failed attempt is any but a 2xx answer: another status, a timeout or a connection error.
 */
export const FAILING_AFTER_ATTEMPTS = 4;
const succeeded = (a: { status?: number }) => a.status !== undefined && a.status >= 200 && a.status <= 299;
/** `attempts`: the delivery's attempt log, the attempt just made last. */
export function failingAfter(attempts: readonly { status?: number }[]): boolean {
  const n = attempts.length;
  if (n < FAILING_AFTER_ATTEMPTS) return false;
  for (let i = n - FAILING_AFTER_ATTEMPTS; i < n; i++) if (succeeded(attempts[i]!)) return false;
  // Exactly the 4th: the attempt before the run is a success, or there is none.
  return n === FAILING_AFTER_ATTEMPTS || succeeded(attempts[n - FAILING_AFTER_ATTEMPTS - 1]!);
}
