import { AppError, errors } from '../errors';
import { retryAfterMs } from './retry-after';

/**
 * When to try an outbound webhook again. The default is the Standard Webhooks example schedule
 * cut to a day and a bit: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#deliverability-and-reliability
 * Delays are relative to the previous attempt; the jitter spreads retries of many deliveries that
 * failed together (an endpoint outage) so they do not come back as one wave.
 */
export interface RetryPolicy {
  /** ms before each attempt, relative to the previous one; index 0 is the first attempt (0). */
  schedule: readonly number[];
  /** Relative jitter: each retry delay is scheduled x (1 +/- jitter), uniformly. 0 <= jitter < 1. */
  jitter: number;
  /** Floor of the delay after a 429 or a timeout: the endpoint is struggling, back off harder. */
  minAfterThrottleMs: number;
}

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over about 27.6 h), +/-20 %. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  schedule: Object.freeze([0, 5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 10 * H]),
  jitter: 0.2,
  minAfterThrottleMs: 60 * S,
});

/** What one attempt came back with, as the HTTP client reports it. */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter?: string | null }
  | { kind: 'timeout' }
  | { kind: 'error'; code: string };

export type Outcome = 'success' | 'gone' | 'retry';

/**
 * 2xx succeeds; 410 Gone means "stop sending" (the engine disables the subscription); every other
 * result is a failure to retry: 3xx (redirects are not followed, the URL should be updated), 4xx,
 * 5xx, timeouts and transport errors. That includes `egress_denied`: the policy check runs on the
 * addresses the name resolves to *now*, DNS can change (and so can the egress allowlist), and a
 * persistently refused endpoint ends up failed and disabled like any dead one.
 */
export function classifyOutcome(result: AttemptResult): Outcome {
  if (result.kind !== 'response') return 'retry';
  if (result.status >= 200 && result.status <= 299) return 'success';
  return result.status === 410 ? 'gone' : 'retry';
}

/**
 * 429 and timeouts: the receiver is overloaded, so the next attempt waits at least minAfterThrottleMs.
 * The delivery client's `delivery_timeout` error counts as a timeout when passed through as an error.
 */
export const isThrottled = (r: AttemptResult) =>
  r.kind === 'timeout' || (r.kind === 'response' && r.status === 429) || (r.kind === 'error' && r.code === 'delivery_timeout');

export interface NextAttemptInput {
  policy: RetryPolicy;
  /** Attempts made so far, including the one that produced `outcome` (>= 1). */
  attemptNumber: number;
  /** Epoch ms the last attempt ended (its response came back): delays and Retry-After count from it. */
  lastAttemptAt: number;
  outcome: AttemptResult;
  /** Uniform in [0, 1): Math.random or a seeded source in tests. */
  random: () => number;
}

/**
 * The wait before the next attempt in ms, or undefined when there is none (success, gone, or the
 * schedule is used up). `d` = scheduled x jitter, raised to minAfterThrottleMs after a throttle;
 * a parseable Retry-After is honoured but clamped into [d, 2d]: never sooner than our schedule (a
 * receiver cannot make us hammer it) and never more than twice as late (nor can it park a delivery).
 */
export function retryDelay({ policy, attemptNumber, lastAttemptAt, outcome, random }: NextAttemptInput): number | undefined {
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) {
    throw new AppError('internal_error', `attemptNumber must be a whole number >= 1, not ${attemptNumber}`, { status: 500, expose: false });
  }
  if (classifyOutcome(outcome) !== 'retry') return undefined;
  const scheduled = policy.schedule[attemptNumber];
  if (scheduled === undefined) return undefined;
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0.5; // a broken source means no jitter, not NaN
  let delay = Math.round(scheduled * (1 + policy.jitter * (2 * r - 1)));
  if (isThrottled(outcome)) delay = Math.max(delay, policy.minAfterThrottleMs);
  const asked = outcome.kind === 'response' ? retryAfterMs(outcome.retryAfter, lastAttemptAt) : undefined;
  if (asked !== undefined) delay = Math.min(Math.max(asked, delay), 2 * delay);
  return delay;
}

/** Epoch ms of the next attempt, or undefined: no attempt left (the delivery is failed, or done). */
export function nextAttemptAt(input: NextAttemptInput): number | undefined {
  const delay = retryDelay(input);
  return delay === undefined ? undefined : input.lastAttemptAt + delay;
}

/** Rejects a configured policy that would misbehave, naming the bad key (config path). */
export function checkRetryPolicy(policy: RetryPolicy, path = 'retry'): RetryPolicy {
  const { schedule, jitter, minAfterThrottleMs } = policy;
  if (schedule.length === 0) throw errors.config('The retry schedule needs at least one entry', `${path}.schedule`);
  schedule.forEach((ms, i) => {
    if (!Number.isSafeInteger(ms) || ms < 0) throw errors.config('Retry delays are whole non-negative milliseconds', `${path}.schedule[${i}]`);
  });
  if (!(jitter >= 0 && jitter < 1)) throw errors.config('jitter must be in [0, 1)', `${path}.jitter`);
  if (!Number.isSafeInteger(minAfterThrottleMs) || minAfterThrottleMs < 0) {
    throw errors.config('minAfterThrottleMs must be whole non-negative milliseconds', `${path}.minAfterThrottleMs`);
  }
  return policy;
}
