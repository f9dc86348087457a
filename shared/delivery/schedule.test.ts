import fc from 'fast-check';
import {
  type AttemptResult, checkRetryPolicy, classifyOutcome, DEFAULT_RETRY_POLICY, nextAttemptAt, type RetryPolicy, retryDelay,
} from './schedule';

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const mid = () => 0.5; // no jitter: 1 + 0.2 * (2 * 0.5 - 1) = 1
const res = (status: number, retryAfter?: string | null): AttemptResult => ({ kind: 'response', status, retryAfter });
const delay = (attemptNumber: number, outcome: AttemptResult, random = mid, policy: RetryPolicy = DEFAULT_RETRY_POLICY) =>
  retryDelay({ policy, attemptNumber, lastAttemptAt: T, outcome, random });

describe('classifyOutcome', () => {
  it.each<[AttemptResult, string]>([
    [res(200), 'success'], [res(201), 'success'], [res(204), 'success'], [res(299), 'success'],
    [res(410), 'gone'],
    // 3xx is a failure: redirects are not followed (Standard Webhooks "Delivery success and failure").
    [res(301), 'retry'], [res(302), 'retry'], [res(304), 'retry'], [res(307), 'retry'], [res(308), 'retry'],
    [res(400), 'retry'], [res(401), 'retry'], [res(404), 'retry'], [res(409), 'retry'], [res(429), 'retry'],
    [res(500), 'retry'], [res(502), 'retry'], [res(503), 'retry'], [res(504), 'retry'],
    [res(100), 'retry'], [res(199), 'retry'], [res(300), 'retry'],
    [{ kind: 'timeout' }, 'retry'],
    [{ kind: 'error', code: 'ECONNREFUSED' }, 'retry'],
    [{ kind: 'error', code: 'ENOTFOUND' }, 'retry'],
    // Refused by the egress policy: retried, as DNS (or the allowlist) may change before the next attempt.
    [{ kind: 'error', code: 'egress_denied' }, 'retry'],
  ])('%j -> %s', (result, expected) => {
    expect(classifyOutcome(result)).toBe(expected);
  });
});

describe('nextAttemptAt', () => {
  it('follows the default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then nothing (failed)', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => delay(n, res(500)));
    expect(delays).toEqual([5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 10 * H, undefined]);
    expect(nextAttemptAt({ policy: DEFAULT_RETRY_POLICY, attemptNumber: 1, lastAttemptAt: T, outcome: res(500), random: mid })).toBe(T + 5 * S);
    // 8 attempts over 27 h 35 min 5 s.
    expect(delays.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(27 * H + 35 * MIN + 5 * S);
  });

  it('jitters uniformly by +/-20 %: the first retry lies in [4 s, 6 s]', () => {
    expect(delay(1, res(500), () => 0)).toBe(4 * S);
    expect(delay(1, res(500), () => 0.25)).toBe(4.5 * S);
    expect(delay(1, res(500), () => 0.999999)).toBe(6 * S);
    expect(delay(4, res(500), () => 0)).toBe(0.8 * 2 * H);
  });

  it('treats a broken random source as no jitter', () => {
    expect(delay(1, res(500), () => NaN)).toBe(5 * S);
    expect(delay(1, res(500), () => 7)).toBe(6 * S);
  });

  it('has no next attempt after a success or a 410 Gone', () => {
    expect(delay(1, res(200))).toBeUndefined();
    expect(delay(1, res(410, '10'))).toBeUndefined();
  });

  it('honours Retry-After within [scheduled, 2 x scheduled], in seconds or as a date', () => {
    expect(delay(2, res(503, '400'))).toBe(400 * S);
    expect(delay(2, res(503, '10'))).toBe(5 * MIN); // not sooner than scheduled
    expect(delay(2, res(503, '86400'))).toBe(10 * MIN); // not later than twice
    expect(delay(2, res(503, 'Tue, 01 Jan 2030 12:07:30 GMT'))).toBe(7.5 * MIN); // relative to lastAttemptAt
    expect(delay(2, res(503, 'Tue, 01 Jan 2030 11:00:00 GMT'))).toBe(5 * MIN); // a past date
    expect(delay(2, res(503, 'later, please'))).toBe(5 * MIN); // unparseable: ignored
    expect(delay(1, res(503, '120'))).toBe(10 * S); // 2 x the jittered 5 s
    expect(delay(1, res(503, '120'), () => 0)).toBe(8 * S); // the window follows the jittered delay
  });

  it('waits at least 60 s after a 429 or a timeout, and clamps Retry-After into [60 s, 120 s] then', () => {
    expect(delay(1, res(429))).toBe(60 * S);
    expect(delay(1, { kind: 'timeout' })).toBe(60 * S);
    expect(delay(1, { kind: 'error', code: 'delivery_timeout' })).toBe(60 * S); // shared/http/delivery-client's code
    expect(delay(1, res(429, '90'))).toBe(90 * S);
    expect(delay(1, res(429, '5'))).toBe(60 * S);
    expect(delay(1, res(429, '3600'))).toBe(120 * S);
    // Later attempts are already above the floor: the schedule (and its window) rules.
    expect(delay(3, { kind: 'timeout' })).toBe(30 * MIN);
    expect(delay(3, res(429, '7200'))).toBe(60 * MIN);
  });

  it('does not throttle other failures (a 503 or a connection error after the first attempt)', () => {
    expect(delay(1, res(503))).toBe(5 * S);
    expect(delay(1, { kind: 'error', code: 'ECONNRESET' })).toBe(5 * S);
  });

  it('takes a configured policy', () => {
    const policy: RetryPolicy = { schedule: [0, 1000, 2000], jitter: 0, minAfterThrottleMs: 1500 };
    expect([1, 2, 3].map((n) => delay(n, res(500), Math.random, policy))).toEqual([1000, 2000, undefined]);
    expect(delay(1, res(429), Math.random, policy)).toBe(1500);
    expect(delay(1, res(500), Math.random, { ...policy, schedule: [0] })).toBeUndefined(); // one attempt only
  });

  it('refuses an attemptNumber below 1', () => {
    expect(() => delay(0, res(500))).toThrow(expect.objectContaining({ code: 'internal_error' }));
    expect(() => delay(1.5, res(500))).toThrow(expect.objectContaining({ code: 'internal_error' }));
  });
});

describe('property: every delay lies in its allowed window', () => {
  const retryAfter = fc.oneof(
    fc.constant(undefined), fc.constant(null),
    fc.nat({ max: 10 ** 7 }).map(String),
    fc.integer({ min: -1e9, max: 1e9 }).map((ms) => new Date(T + ms * 1000).toUTCString()),
    fc.string({ maxLength: 12 }),
  );
  const result: fc.Arbitrary<AttemptResult> = fc.oneof(
    fc.record({ kind: fc.constant('response' as const), status: fc.integer({ min: 100, max: 599 }), retryAfter }),
    fc.constant({ kind: 'timeout' as const }),
    fc.record({ kind: fc.constant('error' as const), code: fc.constantFrom('ECONNRESET', 'egress_denied', 'connect_failed', 'delivery_timeout') }),
  );
  const policy: fc.Arbitrary<RetryPolicy> = fc.oneof(
    fc.constant(DEFAULT_RETRY_POLICY),
    fc.record({
      schedule: fc.array(fc.nat({ max: 48 * H }), { minLength: 1, maxLength: 12 }).map((s) => [0, ...s.slice(1)]),
      jitter: fc.double({ min: 0, max: 0.99, noNaN: true }),
      minAfterThrottleMs: fc.nat({ max: 10 * MIN }),
    }),
  );

  it('holds for any policy, attempt, result, Retry-After and random draw', () => {
    fc.assert(fc.property(
      policy, fc.integer({ min: 1, max: 14 }), result, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (p, n, outcome, r) => {
        const d = retryDelay({ policy: p, attemptNumber: n, lastAttemptAt: T, outcome, random: () => r });
        const kind = classifyOutcome(outcome);
        const scheduled = p.schedule[n];
        if (kind !== 'retry' || scheduled === undefined) return expect(d).toBeUndefined();
        expect(Number.isSafeInteger(d)).toBe(true);
        const throttled = outcome.kind === 'timeout' || (outcome.kind === 'response' && outcome.status === 429)
          || (outcome.kind === 'error' && outcome.code === 'delivery_timeout');
        const floor = (x: number) => (throttled ? Math.max(x, p.minAfterThrottleMs) : x);
        const lo = floor(Math.floor(scheduled * (1 - p.jitter)));
        const jitterHi = floor(Math.ceil(scheduled * (1 + p.jitter)));
        const hasRetryAfter = outcome.kind === 'response' && outcome.retryAfter != null;
        expect(d!).toBeGreaterThanOrEqual(lo);
        expect(d!).toBeLessThanOrEqual(hasRetryAfter ? 2 * jitterHi : jitterHi);
        if (throttled) expect(d!).toBeGreaterThanOrEqual(p.minAfterThrottleMs);
      },
    ), { numRuns: 2000 });
  });
  it('honours a Retry-After exactly when it falls inside the window of the same draw without it', () => {
    fc.assert(fc.property(
      policy, fc.integer({ min: 1, max: 8 }), fc.constantFrom(429, 500, 503, 301), fc.nat({ max: 200_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (p, n, status, seconds, r) => {
        const base = retryDelay({ policy: p, attemptNumber: n, lastAttemptAt: T, outcome: res(status), random: () => r });
        const withIt = retryDelay({ policy: p, attemptNumber: n, lastAttemptAt: T, outcome: res(status, String(seconds)), random: () => r });
        if (base === undefined) return expect(withIt).toBeUndefined();
        expect(withIt).toBe(Math.min(Math.max(seconds * 1000, base), 2 * base));
      },
    ), { numRuns: 1000 });
  });
});

describe('checkRetryPolicy', () => {
  it('accepts the default', () => {
    expect(checkRetryPolicy(DEFAULT_RETRY_POLICY)).toBe(DEFAULT_RETRY_POLICY);
  });

  it.each<[Partial<RetryPolicy>, string]>([
    [{ schedule: [] }, 'retry.schedule'],
    [{ schedule: [0, -5] }, 'retry.schedule[1]'],
    [{ schedule: [0, 1.5] }, 'retry.schedule[1]'],
    [{ jitter: 1 }, 'retry.jitter'],
    [{ jitter: Number.NaN }, 'retry.jitter'],
    [{ minAfterThrottleMs: -1 }, 'retry.minAfterThrottleMs'],
  ])('rejects %j naming %s', (over, path) => {
    expect(() => checkRetryPolicy({ ...DEFAULT_RETRY_POLICY, ...over })).toThrow(
      expect.objectContaining({ code: 'invalid_config', extra: { path } }),
    );
  });
});
