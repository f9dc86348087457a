import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { clientCredentialsAuth } from '../auth/client-credentials';
import { transportFor } from '../identity/transport-cache';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import { path } from '../url';
import type { EntraConnection } from './config';

const origin = (url: string) => new URL(url).origin;

/**
 * The Microsoft Graph v1.0 transport. The token comes from the tenant's v2.0 endpoint with the
 * `<graph>/.default` scope, i.e. the application permissions granted to the app; client id and
 * secret go in the form body as Microsoft documents. Graph throttles with 429 and `Retry-After`
 * (https://learn.microsoft.com/graph/throttling), which the transport honours. `check()` reads
 * one user id.
 */
export function entraTransport(
  name: string,
  config: EntraConnection,
  deps: { http: HttpClient; clock: Clock; logger?: Logger },
  overrides: Partial<TransportOptions> = {},
): Transport {
  return createTransport({
    name,
    baseUrl: `${origin(config.graphUrl)}/v1.0`,
    auth: clientCredentialsAuth({
      tokenUrl: `${origin(config.loginUrl)}${path`/${config.tenantId}/oauth2/v2.0/token`}`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      clientAuth: 'body',
      scopes: [`${origin(config.graphUrl)}/.default`],
    }),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: '/users', query: { $top: 1, $select: 'id' } },
    ...overrides,
  });
}

export const entraTransportFor = (name: string, config: EntraConnection, deps: { http: HttpClient; clock: Clock; logger?: Logger }, overrides?: Partial<TransportOptions>) =>
  transportFor(config, () => entraTransport(name, config, deps, overrides));
