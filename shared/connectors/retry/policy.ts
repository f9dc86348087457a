/**
 * When an attempt may be repeated, and after how long. Retries use "full jitter" (a uniform draw
 * between 0 and the exponential ceiling), which spreads many clients best
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/); a wait the vendor
 * asks for (rate-limit.ts) is honoured as given instead.
 */
export interface RetryOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Ceiling of the first retry's jittered wait; doubles per retry ... */
  baseDelayMs: number;
  /** ... up to this. */
  maxDelayMs: number;
  /**
   * Time one call may spend waiting between attempts. A wait beyond what is left fails the call at
   * once with a retryable error carrying retryAfterMs, so the caller's queue retries later instead
   * of holding a function instance idle.
   */
  budgetMs: number;
  /**
   * Which calls a 429 may repeat. 'all' (default): a 429 means the vendor refused the request
   * before acting on it (RFC 6585 section 4), and Slack, Okta and Atlassian ask clients to resend
   * it after the wait. 'idempotent': treat a 429 like any other retryable answer.
   */
  rateLimited: 'all' | 'idempotent';
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  budgetMs: 30_000,
  rateLimited: 'all',
});

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** RFC 9110 section 9.2.2, or marked by the caller (a search sent as POST, an upsert). */
export const isIdempotent = (method: string, marked: boolean | undefined): boolean => marked ?? IDEMPOTENT_METHODS.has(method);

/** 501 and 505 say the server will never do it; other 5xx, 408 and 429 may pass on a later attempt. */
export const retryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505);

/** Full jitter: uniform in [0, min(max, base x 2^(retry-1))). `retry` counts from 1. */
export function backoffMs(retry: number, o: RetryOptions, random: () => number): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(retry - 1, 30));
  const r = random();
  return Math.floor(ceiling * (Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5));
}
