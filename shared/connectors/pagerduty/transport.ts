import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import type { ConnectorAuth } from '../auth/types';
import { noRedirects } from '../rest/no-redirects';
import { requestedWaitMs } from '../retry/rate-limit';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';

/**
 * The Events API v2 transport. The routing key travels in the body, not a header, so the auth
 * sends nothing; it only lists the key as a secret, which the transport scrubs from anything it
 * quotes or logs. No readiness check: the Events API has no call that does not create an event.
 * Redirects are not followed (the 3xx is a failure, ../vendor-error.ts): the guard drops only
 * credential headers on the way to another origin, and a 307/308 would carry the body, routing
 * key included, to whatever host the Location names.
 */
const routingKeyAuth = (routingKey: string): ConnectorAuth => ({ type: 'none', authorize: async () => ({ headers: {} }), secrets: () => [routingKey] });

/**
 * How long a 429 that names no wait asks for. The Events API throttles per integration key, with
 * limits it adjusts to the traffic, documents no Retry-After, and asks clients to retry a 429
 * "preferably with a backoff of a few minutes" (https://developer.pagerduty.com/docs/events-api-v2-overview,
 * API Limits). The transport's own backoff would send the event again three times within a few
 * seconds, each repeat counted against the same limit. A minute is past the transport's
 * budget, so the call fails at once with a retryable `connector_rate_limited` carrying it as
 * `retryAfterMs` (and `Retry-After` on the error), and the queue tries again later; a minute
 * rather than several keeps a page from waiting long once the limit has room again.
 */
export const THROTTLED_WAIT_SECONDS = 60;

/**
 * Gives a 429 without a wait header of its own (../retry/rate-limit.ts) `Retry-After:
 * THROTTLED_WAIT_SECONDS`. The transport (../send.ts) waits as long as an answer asks, and ends
 * the call with that wait as `retryAfterMs` when it is past the budget: naming the wait here hands
 * the 429 to the queue without a retry policy of PagerDuty's own in the shared transport.
 */
function throttledWait(http: HttpClient, clock: Clock): HttpClient {
  return {
    async fetch(input, init) {
      const res = await http.fetch(input, init);
      if (res.status !== 429 || requestedWaitMs(res.headers, clock.now()) !== undefined) return res;
      const headers = new Headers(res.headers);
      headers.set('retry-after', String(THROTTLED_WAIT_SECONDS));
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    },
  };
}

export function pagerdutyTransport(
  name: string,
  config: { baseUrl: string; routingKey: string },
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  return createTransport({
    name,
    baseUrl: config.baseUrl,
    auth: routingKeyAuth(config.routingKey),
    clock: deps.clock,
    logger: deps.logger,
    ...overrides,
    http: throttledWait(noRedirects(overrides.http ?? deps.http), overrides.clock ?? deps.clock),
  });
}
