import { backoffMs, DEFAULT_RETRY, isIdempotent, retryableStatus } from './policy';

test('full jitter: uniform below a doubling ceiling, capped', () => {
  const o = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
  expect([1, 2, 3, 4, 5].map((r) => backoffMs(r, o, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
  expect(backoffMs(3, o, () => 0)).toBe(0);
  expect(backoffMs(2, o, () => 0.5)).toBe(100);
  expect(backoffMs(1, o, () => Number.NaN)).toBe(50);
});

test('idempotent methods per RFC 9110, unless the caller says otherwise', () => {
  for (const m of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) expect(isIdempotent(m, undefined)).toBe(true);
  for (const m of ['POST', 'PATCH']) expect(isIdempotent(m, undefined)).toBe(false);
  expect(isIdempotent('POST', true)).toBe(true);
  expect(isIdempotent('PUT', false)).toBe(false);
});

test('retryable statuses', () => {
  expect([408, 429, 500, 502, 503, 504].every(retryableStatus)).toBe(true);
  expect([400, 401, 403, 404, 409, 422, 501, 505].some(retryableStatus)).toBe(false);
});
