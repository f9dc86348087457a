import { requestedWaitMs } from './rate-limit';

const now = Date.parse('2030-01-01T00:00:00Z');
const h = (init: Record<string, string>) => new Headers(init);

describe('requestedWaitMs', () => {
  test('Retry-After in seconds and as an HTTP-date', () => {
    expect(requestedWaitMs(h({ 'retry-after': '7' }), now)).toBe(7000);
    expect(requestedWaitMs(h({ 'retry-after': 'Tue, 01 Jan 2030 00:00:30 GMT' }), now)).toBe(30_000);
    expect(requestedWaitMs(h({ 'retry-after': 'Mon, 31 Dec 2029 23:00:00 GMT' }), now)).toBe(0);
  });

  test('Microsoft millisecond headers win over Retry-After', () => {
    expect(requestedWaitMs(h({ 'x-ms-retry-after-ms': '1500', 'retry-after': '2' }), now)).toBe(1500);
    expect(requestedWaitMs(h({ 'retry-after-ms': '250.5' }), now)).toBe(251);
  });

  test("Okta's X-Rate-Limit-Reset (epoch seconds) is read against the response's Date", () => {
    const reset = String(now / 1000 + 45);
    expect(requestedWaitMs(h({ 'x-rate-limit-reset': reset }), now)).toBe(45_000);
    // Our clock runs 10 s ahead of the vendor's: the Date header keeps the wait right.
    expect(requestedWaitMs(h({ 'x-rate-limit-reset': reset, date: 'Mon, 31 Dec 2029 23:59:50 GMT' }), now + 10_000)).toBe(55_000);
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': String(now / 1000 - 5) }), now)).toBe(0);
  });

  test('a small reset value counts as seconds from now; Retry-After wins over it', () => {
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '12' }), now)).toBe(12_000);
    expect(requestedWaitMs(h({ 'x-rate-limit-reset': String(now / 1000 + 99), 'retry-after': '3' }), now)).toBe(3000);
  });

  test("Jira's X-RateLimit-Reset (ISO 8601, yyyy-MM-ddTHH:mmZ) is read against the response's Date", () => {
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '2030-01-01T00:02Z' }), now)).toBe(120_000);
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '2030-01-01T00:02Z', date: 'Tue, 01 Jan 2030 00:01:00 GMT' }), now + 5_000)).toBe(60_000);
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '2030-01-01T01:00:30+01:00' }), now)).toBe(30_000);
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '2029-12-31T23:59Z' }), now)).toBe(0);
  });

  test('an answer that is not the throttling itself reads only the wait it asks for, never a rate-limit window\'s reset', () => {
    const reset = String(now / 1000 + 45);
    expect(requestedWaitMs(h({ 'x-rate-limit-reset': reset }), now, false)).toBeUndefined();
    expect(requestedWaitMs(h({ 'x-ratelimit-reset': '2030-01-01T00:02Z' }), now, false)).toBeUndefined();
    expect(requestedWaitMs(h({ 'x-rate-limit-reset': reset, 'retry-after': '3' }), now, false)).toBe(3000);
    expect(requestedWaitMs(h({ 'x-ms-retry-after-ms': '1500' }), now, false)).toBe(1500);
  });

  test('nothing usable: undefined', () => {
    const cases: Record<string, string>[] = [
      {}, { 'retry-after': 'soon' }, { 'x-rate-limit-reset': '-1' }, { 'x-ms-retry-after-ms': 'x' },
      { 'x-ratelimit-reset': '2030-13-45T99:99Z' }, { 'x-ratelimit-reset': '2030-01-01' }, { 'x-ratelimit-reset': 'tomorrow' },
    ];
    for (const init of cases) {
      expect(requestedWaitMs(h(init), now)).toBeUndefined();
    }
  });
});
