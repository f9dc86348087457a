import type { Sleep } from '../../shared/connectors/types';
import { realSleep } from '../../shared/connectors/sleep';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_TOTAL_TIMEOUT_MS, gaxCallOptions } from './client-options';
import { gcpNetworkReason } from './unavailable';

/**
 * Time bounds on every Firestore store operation. @google-cloud/firestore 8.7 bounds a
 * transaction by attempts only: up to 10 (our old setting) with waits of 1 s growing x1.5, reset
 * to 60 s after RESOURCE_EXHAUSTED (build/src/transaction.js, backoff.js), and each RPC keeps
 * the service config's 60 s per attempt, retried for up to 600 s. A contended or throttled write
 * thus outlasted Cloud Functions' 60 s timeout instead of failing with a typed error.
 *
 * So: the library runs each transaction once (`maxAttempts: 1`: no backoff of its own) and we
 * retry it here, with jittered backoff, until the operation's deadline (default 20 s, as every
 * other Google client call: client-options.ts) measured on a monotonic clock (performance.now),
 * not the wall clock: a wall clock stepped back (NTP, a VM resumed) would otherwise lengthen the
 * deadline by the step, past the function's own timeout; a call still
 * running at the deadline is abandoned (its promise is left to settle, the client we make bounds
 * its RPCs to the same 10 s per attempt and 20 s in all, so it ends soon after); the error then
 * is a 503 `store_unavailable` (`firestoreReason`). A write abandoned or given up so may still
 * have been applied: the 503 means "unknown", as for every store.
 */
export interface FirestoreBounds {
  /** One operation, its retries included. Default 20 s. */
  deadlineMs?: number;
  /** Waits between attempts and the deadline's timer; default real timers. */
  sleep?: Sleep;
  /** The jitter's source; default Math.random. */
  random?: () => number;
  /** Milliseconds on a clock that never steps back, for the deadline; default performance.now. */
  monotonic?: () => number;
}

/** First wait after a failed transaction attempt, its growth, and its cap (reached at once after throttling). */
const FIRST_DELAY_MS = 200;
const FACTOR = 1.5;
const MAX_DELAY_MS = 2_000;

const ABORTED = 10;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAUTHENTICATED = 16;
const HTTP_CONFLICT = 409;
/**
 * The codes on which the library itself would run a transaction again (isRetryableTransactionError):
 * CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE,
 * UNAUTHENTICATED (a token refresh), HTTP 409, and INVALID_ARGUMENT for an expired transaction.
 */
const RETRIED = new Set([1, 2, 4, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, 14, UNAUTHENTICATED, HTTP_CONFLICT]);

function retryable(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (code === 3) return /transaction has expired/.test(String(message));
  return typeof code === 'number' && RETRIED.has(code);
}

/** What an operation that ran out of time rejects with (the last attempt's error as cause). */
export class FirestoreDeadlineError extends Error {
  constructor(readonly ms: number, options: { cause?: unknown } = {}) {
    super(`No answer within ${ms} ms`, options);
    this.name = 'FirestoreDeadlineError';
  }
}

/**
 * Whether a transaction that failed with `e` after its function had staged writes may still have
 * been committed: every failure but Firestore's refusals (contention, throttling, an expired
 * token) leaves that open, an answer lost after the commit was applied included.
 */
export function outcomeUnknown(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return !(code === ABORTED || code === RESOURCE_EXHAUSTED || code === HTTP_CONFLICT || code === UNAUTHENTICATED);
}

/**
 * A conditional write run again after an attempt whose commit may have been applied, finding the
 * documents changed by someone else since: whether its first attempt was applied (and then
 * overwritten) or not cannot be told, so neither true nor false would be the truth.
 */
export class FirestoreOutcomeUnknown extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('A commit whose answer was lost may have been applied; the documents have changed since', options);
    this.name = 'FirestoreOutcomeUnknown';
  }
}

/**
 * Why a Firestore failure is "unavailable" (a 503 the caller may retry), else undefined: the
 * network reasons of every Google client (unavailable.ts), our deadline, a commit whose outcome
 * cannot be told (FirestoreOutcomeUnknown), and the transient answers the retries here were
 * spent on: contention (ABORTED, 409), throttling (RESOURCE_EXHAUSTED) and INTERNAL, which
 * Google documents as retryable.
 * https://cloud.google.com/firestore/docs/understand-error-codes
 */
export function firestoreReason(e: unknown): string | undefined {
  if (e instanceof FirestoreOutcomeUnknown) return 'commit outcome unknown';
  if (e instanceof FirestoreDeadlineError) return e.cause === undefined ? 'no response' : firestoreReason(e.cause) ?? 'still failing at the deadline';
  const code = (e as { code?: unknown } | null)?.code;
  if (code === ABORTED || code === HTTP_CONFLICT) return 'contention';
  if (code === RESOURCE_EXHAUSTED) return 'throttled';
  if (code === INTERNAL) return 'internal error';
  return gcpNetworkReason(e);
}

/**
 * gax client configuration for a Firestore client we make: the store's RPCs get the per-attempt
 * and total bounds (and backoff) of every other Google client (client-options.ts), keeping each
 * method's retry codes, instead of 60 s (300 s for streams) per attempt and 600 s in all.
 */
export function firestoreClientConfig() {
  const b = gaxCallOptions().retry.backoffSettings;
  const method = { timeout_millis: DEFAULT_ATTEMPT_TIMEOUT_MS, retry_params_name: 'bounded' };
  return {
    interfaces: {
      'google.firestore.v1.Firestore': {
        retry_params: {
          bounded: {
            initial_retry_delay_millis: b.initialRetryDelayMillis,
            retry_delay_multiplier: b.retryDelayMultiplier,
            max_retry_delay_millis: b.maxRetryDelayMillis,
            initial_rpc_timeout_millis: b.initialRpcTimeoutMillis,
            rpc_timeout_multiplier: b.rpcTimeoutMultiplier,
            max_rpc_timeout_millis: b.maxRpcTimeoutMillis,
            total_timeout_millis: b.totalTimeoutMillis,
          },
        },
        methods: Object.fromEntries(['BatchGetDocuments', 'BeginTransaction', 'Commit', 'Rollback', 'RunQuery'].map((m) => [m, method])),
      },
    },
  };
}

/** Runs operations under a deadline; `retry` ones again on a transient error until it. */
export function bounded(b: FirestoreBounds = {}) {
  const deadlineMs = b.deadlineMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const sleep = b.sleep ?? realSleep;
  const random = b.random ?? Math.random;
  // Read at each call, not bound once: jest's fake timers replace performance.now in tests.
  const clock = { now: b.monotonic ?? (() => performance.now()) };

  /** One attempt, or the deadline error when `end` comes first (the timer cleared either way). */
  async function before<T>(end: number, run: () => Promise<T>, last: unknown): Promise<T> {
    const stop = new AbortController();
    const timeout = sleep(Math.max(0, end - clock.now()), stop.signal).then(() => {
      throw new FirestoreDeadlineError(deadlineMs, { cause: last });
    }, () => new Promise<never>(() => undefined));
    try {
      return await Promise.race([run(), timeout]);
    } finally {
      stop.abort();
    }
  }

  return async function within<T>(run: () => Promise<T>, retry = false): Promise<T> {
    const end = clock.now() + deadlineMs;
    let delay = FIRST_DELAY_MS;
    let last: unknown;
    for (;;) {
      try {
        return await before(end, run, last);
      } catch (e) {
        if (e instanceof FirestoreDeadlineError || !retry || !retryable(e)) throw e;
        last = e;
      }
      const code = (last as { code?: unknown }).code;
      if (code === RESOURCE_EXHAUSTED || code === HTTP_CONFLICT) delay = MAX_DELAY_MS;
      // Jitter over [delay/2, delay): writers that collided do not collide again in step.
      const wait = delay * (0.5 + random() / 2);
      if (clock.now() + wait >= end) throw new FirestoreDeadlineError(deadlineMs, { cause: last });
      await sleep(wait);
      delay = Math.min(delay * FACTOR, MAX_DELAY_MS);
    }
  };
}
