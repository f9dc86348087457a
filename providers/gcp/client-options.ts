/**
 * Bounds on every wait of a Google Cloud client the providers make (a client passed in keeps its
 * owner's settings). The libraries' defaults outlast the functions: Pub/Sub publish, KMS,
 * Secret Manager and Cloud Tasks (google-gax 5.0.8 service configs) allow 60 s per call and retry
 * for up to 600 s (Firestore too: the state store bounds its client and every operation itself,
 * store-firestore-bounds.ts); @google-cloud/storage 7.22 retries for up to 600 s (backoff to 64 s).
 * The functions are deployed with Cloud Functions' default timeout of 60 s (no `--timeout` in the
 * README's "Google Cloud Functions" commands) and HTTP callers such as webhook senders give up
 * after about 10 s, so a path that goes nowhere must end well inside both.
 *
 * The numbers: Google's APIs answer in tens of milliseconds, so one attempt with no answer in
 * 10 s means the path or the endpoint is gone; one call (its retries included) gets 20 s, which
 * leaves room for a refused or reset connection to be retried a few times (from 100 ms, doubling
 * to 2 s) and for the function's other work inside 60 s. Retried codes stay the libraries' own
 * per method (UNAVAILABLE, and for idempotent calls DEADLINE_EXCEEDED, ...). A write that fails
 * this way may have been applied: the resulting 503 means "unknown", not "not written".
 */
export interface GcpTimeouts {
  /** One attempt (a gRPC deadline; for Cloud Storage each HTTP request). Default 10 s. */
  attemptTimeoutMs?: number;
  /** One call with its retries. Default 20 s. */
  totalTimeoutMs?: number;
}

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 20_000;
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 2_000;

const bounds = (t: GcpTimeouts) => ({
  attempt: t.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
  total: t.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
});

/**
 * google-gax CallOptions for one call (KMS, Secret Manager, Cloud Tasks, Pub/Sub `gaxOpts`).
 * `retry` without `retryCodes` keeps each method's own codes and replaces only the backoff
 * (gax mergeRetryOptions); a method without retries gets `timeout` as its deadline.
 * https://github.com/googleapis/gax-nodejs/blob/main/client-libraries.md#retries-and-timeouts
 */
export type GaxCallOptions = ReturnType<typeof gaxCallOptions>;
export function gaxCallOptions(t: GcpTimeouts = {}) {
  const { attempt, total } = bounds(t);
  return {
    timeout: attempt,
    retry: {
      backoffSettings: {
        initialRetryDelayMillis: FIRST_RETRY_DELAY_MS,
        retryDelayMultiplier: 2,
        maxRetryDelayMillis: MAX_RETRY_DELAY_MS,
        initialRpcTimeoutMillis: attempt,
        rpcTimeoutMultiplier: 1,
        maxRpcTimeoutMillis: attempt,
        totalTimeoutMillis: total,
      },
    },
  };
}

/**
 * @google-cloud/storage options: `timeout` per HTTP request (none by default for most calls) and
 * `retryOptions` (totalTimeout and maxRetryDelay in seconds). Its retry policy stays: idempotent
 * or conditional requests only, on 408, 429, 5xx and connection errors.
 * https://cloud.google.com/storage/docs/retry-strategy#node.js
 */
export function storageOptions(t: GcpTimeouts = {}) {
  const { attempt, total } = bounds(t);
  return {
    timeout: attempt,
    retryOptions: { totalTimeout: Math.max(1, Math.round(total / 1000)), maxRetries: 3, maxRetryDelay: MAX_RETRY_DELAY_MS / 1000, retryDelayMultiplier: 2 },
  };
}
