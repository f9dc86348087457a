import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import type { ConnectorAuth } from '../auth/types';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';

/**
 * The Events API v2 transport. The routing key travels in the body, not a header, so the auth
 * sends nothing; it only lists the key as a secret, which the transport scrubs from anything it
 * quotes or logs. No readiness check: the Events API has no call that does not create an event.
 */
const routingKeyAuth = (routingKey: string): ConnectorAuth => ({ type: 'none', authorize: async () => ({ headers: {} }), secrets: () => [routingKey] });

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
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    ...overrides,
  });
}
