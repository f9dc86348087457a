import type { Clock } from '../../ports/clock';
import type { HttpClient } from '../../ports/http';
import type { Logger } from '../../ports/logger';
import { type Scrub, scrubber } from '../scrub';
import { createTransport } from '../transport';
import type { Transport, TransportOptions } from '../types';
import { type AuthConfig, connectorAuth } from './auth';

/**
 * The transport of a generic destination (`rest`, `graphql`): the configured API root and auth,
 * with a scrubber over the same credentials for text the destination quotes itself (GraphQL
 * errors arrive in 200 answers, past the transport's own error mapping). No readiness check: a
 * generic API has no call known to be cheap and free of effects.
 */
export interface GenericDeps {
  http: HttpClient;
  clock: Clock;
  logger?: Logger;
}

export interface GenericClient {
  transport: Transport;
  scrub: Scrub;
}

export function genericClient(
  name: string,
  config: { baseUrl: string; auth: AuthConfig },
  deps: GenericDeps,
  overrides: Partial<TransportOptions> = {},
): GenericClient {
  const auth = connectorAuth(config.auth);
  const transport = createTransport({ name, baseUrl: config.baseUrl, auth, http: deps.http, clock: deps.clock, logger: deps.logger, ...overrides });
  return { transport, scrub: scrubber(() => auth.secrets()) };
}
