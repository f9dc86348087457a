import { parseHttpDate, retryAfterMs } from '../../delivery/retry-after';

/**
 * The wait a throttled (429) or unavailable (503) answer asks for, in ms from `now`, read from
 * the most precise header present:
 * - `x-ms-retry-after-ms` / `retry-after-ms`: milliseconds (Microsoft Graph, Azure:
 *   https://learn.microsoft.com/azure/architecture/best-practices/retry-service-specific);
 * - `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3);
 * - `X-Rate-Limit-Reset` (Okta, https://developer.okta.com/docs/reference/rl-best-practices/) or
 *   `X-RateLimit-Reset` (GitHub and others): epoch seconds of the window's reset, read against the
 *   response's `Date` header when there is one, as Okta advises, so clock skew does not matter.
 *   Small values (below 10^9) are taken as seconds from now, as some vendors send. Jira sends
 *   the reset as an ISO 8601 time instead, `yyyy-MM-ddTHH:mmZ`, and not always with Retry-After
 *   (https://developer.atlassian.com/cloud/jira/platform/rate-limiting): read the same way.
 *   Only for an answer that is the throttling itself (`throttled`, a 429): Okta and GitHub send
 *   the reset of the current window on every answer, where a 500 or 502 says nothing about it, and
 *   waiting for it (GitHub's window lasts an hour) would hold a transient failure that long.
 * Undefined when no header says anything usable: the caller falls back to jittered backoff.
 */
const EPOCH_SECONDS_FLOOR = 1e9;
const UNSIGNED = /^\d+(\.\d+)?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function requestedWaitMs(headers: Headers, now: number, throttled = true): number | undefined {
  for (const name of ['x-ms-retry-after-ms', 'retry-after-ms']) {
    const v = headers.get(name)?.trim();
    if (v && UNSIGNED.test(v)) return Math.ceil(Number(v));
  }
  const after = retryAfterMs(headers.get('retry-after'), now);
  if (after !== undefined || !throttled) return after;
  const reset = (headers.get('x-rate-limit-reset') ?? headers.get('x-ratelimit-reset'))?.trim();
  if (!reset) return undefined;
  let at: number;
  if (UNSIGNED.test(reset)) {
    const seconds = Number(reset);
    if (seconds < EPOCH_SECONDS_FLOOR) return Math.ceil(seconds * 1000);
    at = seconds * 1000;
  } else if (ISO_TIME.test(reset) && Number.isFinite(Date.parse(reset))) {
    at = Date.parse(reset);
  } else {
    return undefined;
  }
  const date = headers.get('date');
  const reference = (date ? parseHttpDate(date, now) : undefined) ?? now;
  return Math.max(0, Math.ceil(at - reference));
}
