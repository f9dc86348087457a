import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import type { Sealer } from '../../ports/sealer';
import type { StateStore } from '../../ports/store';
import { clientCredentialsAuth } from '../auth/client-credentials';
import { refreshTokenAuth } from '../auth/refresh-token';
import { stateStoreRefreshTokens } from '../auth/refresh-token-store';
import { basicAuth } from '../auth/static';
import type { ConnectorAuth } from '../auth/types';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import type { ServiceNowConfig } from './config';

/**
 * The one transport of a ServiceNow instance. Basic auth, or OAuth 2.0 against the instance's
 * `/oauth_token.do`, which takes the client id and secret as form fields
 * (https://www.servicenow.com/docs/bundle/latest/page/administer/security/task/t_SettingUpOAuth.html).
 * Refresh tokens are kept in the state store (sealed when deps.sealer is set), so a rotated one
 * survives the function instance. The readiness check reads one sys_id of the configured table,
 * which also proves the account may read it.
 */
export interface ServiceNowDeps {
  http: HttpClient;
  clock: Clock;
  store: StateStore;
  logger?: Logger;
  sealer?: Sealer;
}

export const tableApiPath = (table: string) => `/api/now/table/${table}`;

function authOf(name: string, config: ServiceNowConfig, deps: ServiceNowDeps): ConnectorAuth {
  const a = config.auth;
  if (a.type === 'basic') return basicAuth({ username: a.username, password: a.password });
  const tokenUrl = a.tokenUrl ?? new URL('/oauth_token.do', config.instanceUrl).href;
  const client = { tokenUrl, clientId: a.clientId, clientSecret: a.clientSecret, clientAuth: 'body' as const };
  if (a.type === 'oauth2-client-credentials') return clientCredentialsAuth(client);
  const store = stateStoreRefreshTokens({ store: deps.store, key: `connectors/${name}/refresh-token`, initial: a.refreshToken, sealer: deps.sealer });
  return refreshTokenAuth({ ...client, store });
}

export function servicenowTransport(name: string, config: ServiceNowConfig, deps: ServiceNowDeps, overrides: Partial<TransportOptions> = {}): Transport {
  return createTransport({
    name,
    baseUrl: config.instanceUrl,
    auth: authOf(name, config, deps),
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger,
    check: { path: tableApiPath(config.table), query: { sysparm_limit: 1, sysparm_fields: 'sys_id' } },
    ...overrides,
  });
}

/**
 * The transport of a configured instance, built once per configuration object (once per cold
 * start): the destination, the sync job and the readiness check share its token cache and breaker.
 */
const built = new WeakMap<ServiceNowConfig, Transport>();

export function transportFor(name: string, config: ServiceNowConfig, deps: ServiceNowDeps, overrides?: Partial<TransportOptions>): Transport {
  let t = built.get(config);
  if (!t) built.set(config, (t = servicenowTransport(name, config, deps, overrides)));
  return t;
}
