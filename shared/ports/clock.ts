/** Wall clock, injected so that signature tolerances, TTLs and retries are testable. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

// eslint-disable-next-line no-restricted-properties -- the one place the real clock is read
export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests and replays: starts at `start` and moves only when told. */
export function fixedClock(start: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}
