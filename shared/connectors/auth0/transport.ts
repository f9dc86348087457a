import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { clientCredentialsAuth } from '../auth/client-credentials';
import { transportFor } from '../identity/transport-cache';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import type { Auth0Connection } from './config';

const origin = (url: string) => new URL(url).origin;

/**
 * The Auth0 Management API v2 transport: a client credentials token for the audience
 * `<tenant>/api/v2/` from `<tenant>/oauth/token` (client id and secret in the form body, as Auth0
 * documents). Rate limits are answered 429 with `X-RateLimit-Reset`
 * (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits),
 * which the transport honours. `check()` lists one user id.
 */
export function auth0Transport(
  name: string,
  config: Auth0Connection,
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  const tenant = origin(config.baseUrl);
  return createTransport({
    name,
    baseUrl: `${tenant}/api/v2`,
    auth: clientCredentialsAuth({
      tokenUrl: `${tenant}/oauth/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      clientAuth: 'body',
      audience: config.audience ?? `${tenant}/api/v2/`,
    }),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: '/users', query: { per_page: 1, fields: 'user_id', include_fields: true } },
    ...overrides,
  });
}

export const auth0TransportFor = (name: string, config: Auth0Connection, deps: { http: HttpClient; clock: Clock; logger?: Logger }, overrides?: Partial<TransportOptions>) =>
  transportFor(config, () => auth0Transport(name, config, deps, overrides));
