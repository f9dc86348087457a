import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { transportFor } from '../identity/transport-cache';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import { oktaAuth } from './auth';
import type { OktaConnection } from './config';

/**
 * The Okta Management API transport. Rate limits are answered 429 with `X-Rate-Limit-Reset`
 * (https://developer.okta.com/docs/reference/rl-best-practices/), which the transport honours;
 * errors carry `errorCode`/`errorSummary`, quoted in typed errors. Auth is an API token or an
 * OAuth service app (auth.ts). `check()` reads the API token's own user (GET /api/v1/users/me),
 * which any valid API token may do; a service app is no user, so with `oauth` it lists one user
 * (okta.users.read).
 */
export function oktaTransport(
  name: string,
  config: OktaConnection,
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  return createTransport({
    name,
    baseUrl: config.baseUrl,
    auth: oktaAuth(name, config),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: config.oauth ? { path: '/api/v1/users', query: { limit: 1 } } : { path: '/api/v1/users/me' },
    ...overrides,
  });
}

/** The transport of a configured connection, built once and shared (identity/transport-cache.ts). */
export const oktaTransportFor = (name: string, config: OktaConnection, deps: { http: HttpClient; clock: Clock; logger?: Logger }, overrides?: Partial<TransportOptions>) =>
  transportFor(config, () => oktaTransport(name, config, deps, overrides));
