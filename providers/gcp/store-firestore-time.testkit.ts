/**
 * Drives jest's fake timers until an operation settles, so a test can tell how long (on the
 * faked clock) a store operation took with the waits it makes (the store's backoff and deadline,
 * FakeFirestore's SDK-style backoff). Only the timers and Date are faked: setImmediate stays real,
 * so FakeFirestore's asynchronous calls still run between steps.
 */
export const fakeTime = () => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });

/** The faked wall clock, for the store's injected Clock. */
export const fakeClock = { now: () => Date.now() };

export interface Settled<T> {
  value?: T;
  error?: unknown;
  /** Whether it settled before `limitMs` of faked time. */
  settled: boolean;
  elapsedMs: number;
}

export async function settleOnFakeTime<T>(run: () => Promise<T>, limitMs = 600_000, stepMs = 50): Promise<Settled<T>> {
  const start = Date.now();
  const out: Settled<T> = { settled: false, elapsedMs: 0 };
  void run().then((value) => Object.assign(out, { value, settled: true }), (error: unknown) => Object.assign(out, { error, settled: true }));
  while (!out.settled && Date.now() - start < limitMs) {
    for (let i = 0; i < 5 && !out.settled; i++) await new Promise((resolve) => setImmediate(resolve));
    if (!out.settled) await jest.advanceTimersByTimeAsync(stepMs);
  }
  // Nothing to record once settled; elapsed is the faked time it took.
  out.elapsedMs = Date.now() - start;
  return out;
}
