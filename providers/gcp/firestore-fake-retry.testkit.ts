/**
 * How @google-cloud/firestore 8.7 retries a read-write transaction, for FakeFirestore
 * (firestore-fake.testkit.ts), so that tests see the waits the real library would take.
 * build/src/transaction.js isRetryableTransactionError and maybeBackoff; build/src/backoff.js
 * ExponentialBackoff (initial 1 s, factor 1.5, at most 60 s, jitter factor 1: +-50%).
 */
const INITIAL_MS = 1_000;
const FACTOR = 1.5;
const MAX_MS = 60_000;

const ABORTED = 10;
const RESOURCE_EXHAUSTED = 8;
const INVALID_ARGUMENT = 3;
/** CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED, and HTTP 409. */
const RETRIED = new Set([1, 2, 4, ABORTED, RESOURCE_EXHAUSTED, 13, 14, 16, 409]);

export function retryableInTransaction(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (code === INVALID_ARGUMENT) return /transaction has expired/.test(String(message));
  return typeof code === 'number' && RETRIED.has(code);
}

/** The wait before each retry, given the error that failed the attempt before it. */
export function sdkBackoff(random: () => number): (error: unknown) => number {
  let base = INITIAL_MS;
  return (error) => {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === RESOURCE_EXHAUSTED || code === 409) base = MAX_MS;
    const ms = base + (random() - 0.5) * base;
    base = Math.min(base * FACTOR, MAX_MS);
    return ms;
  };
}

/** setTimeout read when called, so jest's fake timers can drive it. */
export const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
